// Job module used by the worker-process integration tests (loaded by `tiered worker --module`).
// Handlers record what they do in Redis (FIXTURE_REDIS) so the test can check it from outside.
import { Redis } from 'ioredis';
import { z } from 'zod';
import { defineJob } from '../job/define.js';
import { defineSchedule } from '../cron/define.js';

let client: Redis | undefined;
function redis(): Redis {
  // Waits through outages (no per-command retry limit), like the worker itself.
  if (!client) {
    client = new Redis(process.env.FIXTURE_REDIS ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    client.on('error', () => {});
  }
  return client;
}

/** Records its start, sleeps `ms` (aborting early when asked), records its end. */
export const sleepy = defineJob({
  name: 'sleepy',
  schema: z.object({ ms: z.number().int().nonnegative(), tag: z.string() }),
  attempts: 3,
  handler: async ({ ms, tag }, ctx) => {
    await redis().rpush('fixture:starts', `${tag} ${process.pid}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
    });
    if (ctx.signal.aborted) return 'aborted';
    await redis().rpush('fixture:done', `${tag} ${process.pid}`);
    return process.pid;
  },
});

/**
 * An idempotent handler: the effect (one increment of fixture:effects) happens once per job
 * however many times the job is delivered; every delivery is counted in fixture:executions.
 */
export const count = defineJob({
  name: 'count',
  schema: z.object({ n: z.number().int() }),
  attempts: 10,
  backoff: { delay: 200 },
  handler: async ({ n }) => {
    await redis().hincrby('fixture:executions', String(n), 1);
    // Mark and effect in one atomic step: a repeated delivery finds the mark and does nothing.
    await redis().eval("if redis.call('SET', KEYS[1], '1', 'NX') then return redis.call('INCR', KEYS[2]) end return 0", 2, `fixture:done:${n}`, 'fixture:effects');
  },
});

/** Always fails, on its only attempt: a dead letter for the operator commands. */
export const fails = defineJob({
  name: 'fails',
  schema: z.object({ why: z.string() }),
  attempts: 1,
  handler: ({ why }) => { throw new Error(why); },
});

/**
 * A job module's bug outside its handler's own call: a timer that throws and a promise that
 * rejects after the handler returned. The job itself completes; the worker must go on.
 */
export const stray = defineJob({
  name: 'stray',
  schema: z.object({ tag: z.string() }),
  attempts: 1,
  handler: async ({ tag }) => {
    setTimeout(() => {
      throw new Error(`stray timer of ${tag}`);
    }, 10);
    void Promise.reject(new Error(`stray rejection of ${tag}`));
    await redis().rpush('fixture:stray', tag);
  },
});

/** A schedule for `tiered cron list`. */
export const nightly = defineSchedule({ name: 'nightly-report', pattern: '0 3 * * *', timezone: 'Europe/Paris', job: sleepy, payload: () => ({ ms: 0, tag: 'cron' }) });
