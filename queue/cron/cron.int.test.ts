// Cron across instances against a real Redis: three schedulers with a per-second pattern, the one
// winning the claims stopped and another started midway → every tick ran exactly once. Plus: a
// job schedule enqueues one durable job per tick, 'forbid' skips ticks while a run is going,
// 'replace' aborts it, and a Redis outage skips ticks (fail-closed). node-cron owns the tick timer (whole seconds,
// real time), so each test waits for the ticks it needs to see, never for a fixed time.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { eventually } from '../../sdk/testing/eventually.js';
import { defineJob } from '../job/define.js';
import { Producer } from '../producer.js';
import { defineSchedule } from './define.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import { readSchedules, scheduleKey } from './state.js';

let stack: TestStack;
let redis: Redis;
before(async () => {
  stack = await startTestStack({ redis: true });
  redis = new Redis(stack.redis.url);
  redis.on('error', () => {});
});
after(async () => {
  redis?.disconnect();
  await stack?.stop();
});

// Every scheduler a test opens is stopped when the test ends, also when it fails half-way.
const live = new Set<Scheduler>();
const close = async (scheduler: Scheduler): Promise<void> => {
  if (live.delete(scheduler)) await scheduler.stop();
};
const open = (t: TestContext, options: SchedulerOptions): Scheduler => {
  const scheduler = new Scheduler(options);
  live.add(scheduler);
  t.after(() => close(scheduler));
  return scheduler;
};

/** Every whole second from the first to the last of `isos` that is not among them. */
function gaps(isos: Iterable<string>): string[] {
  const seconds = [...isos].map((iso) => Date.parse(iso) / 1000).sort((x, y) => x - y);
  const have = new Set(seconds);
  const missing: string[] = [];
  for (let s = seconds[0]; s <= seconds[seconds.length - 1]; s++) if (!have.has(s)) missing.push(new Date(s * 1000).toISOString());
  return missing;
}

// Ticks come once a second whatever a test does, so waiting is most of each test: the ones that
// share Redis run side by side (each on its own prefix); the outage test runs alone after them.
describe('schedules on a running Redis', { concurrency: true }, () => {
  test('three instances, per-second ticks, the winning one stopped and another started midway: each tick runs exactly once', async (t) => {
    const prefix = 'c1';
    const start = (instance: string) => {
      const scheduler = open(t, { redis: stack.redis.url, prefix, instance });
      scheduler.schedule('every-second', '* * * * * *', async (tick) => {
        await redis.rpush(`${prefix}:runs`, `${tick.fireTime.toISOString()} ${instance}`);
      }, { concurrency: 'allow' });
      return scheduler;
    };
    const runs = async () => (await redis.lrange(`${prefix}:runs`, 0, -1)).map((line) => line.split(' ') as [string, string]);
    const ticksAfter = async (ms: number) => new Set((await runs()).filter(([tick]) => Date.parse(tick) > ms).map(([tick]) => tick)).size;

    const schedulers = new Map(['a', 'b', 'c'].map((name) => [name, start(name)]));
    await eventually('3 ticks ran on a, b and c', async () => (await ticksAfter(0)) >= 3, 10_000);
    // In one process the same instance tends to win every claim: stopping that one makes the
    // others take over. Stopped just after its tick ran, so no claim of its is in flight.
    const winner = (await runs()).at(-1)![1];
    await close(schedulers.get(winner)!);
    schedulers.delete(winner);
    const stopped = Date.now();
    await eventually(`2 ticks ran while ${winner} was stopped`, async () => (await ticksAfter(stopped)) >= 2, 10_000);
    schedulers.set('restarted', start('restarted'));
    const restarted = Date.now();
    await eventually('3 ticks ran after another instance started', async () => (await ticksAfter(restarted)) >= 3, 10_000);
    await Promise.all([...schedulers.values()].map(close));

    const all = await runs();
    const byTick = new Map<string, string[]>();
    for (const [tick, instance] of all) byTick.set(tick, [...(byTick.get(tick) ?? []), instance]);
    const twice = [...byTick].filter(([, who]) => who.length > 1);
    assert.deepEqual(twice, [], 'no tick ran on two instances');
    assert.deepEqual(gaps(byTick.keys()), [], 'no tick was lost, the stop and the start included');
    assert.deepEqual(all.filter(([tick, who]) => who === winner && Date.parse(tick) > stopped), [], 'a stopped instance runs nothing');
    const instances = new Set(all.map(([, who]) => who));
    assert.ok(instances.size >= 2, `the others took over (${[...instances].join(', ')})`);
    assert.ok(byTick.size >= 8, `every observed tick ran (${byTick.size})`);
  });

  test('a job schedule enqueues one durable job per tick, and the schedule is listed', async (t) => {
    const prefix = 'c2';
    const job = defineJob({ name: 'nightly', schema: z.object({ at: z.string() }), handler: () => {} });
    const producer = new Producer({ redis: stack.redis.url, prefix });
    t.after(() => producer.close());
    const started = Date.now();
    const schedulers = ['x', 'y'].map((instance) => {
      const s = open(t, { redis: stack.redis.url, prefix, instance });
      s.schedule('enqueue-nightly', '* * * * * *', job, { concurrency: 'allow', payload: (tick) => ({ at: tick.fireTime.toISOString() }) });
      return s;
    });
    const queued = () => producer.queue('nightly').getJobs(['waiting', 'prioritized', 'delayed']);
    await eventually('3 jobs enqueued', async () => (await queued()).length >= 3, 10_000);
    const listed = await eventually('the schedule listed with its last job', async () => {
      const [record] = await readSchedules(producer.redis, prefix);
      return record?.lastStatus === 'ok' && record.lastRef !== '' && record;
    }, 5_000);
    for (const s of schedulers) await close(s);
    const stopped = Date.now();

    const ats = (await queued()).map((j) => (j.data as { at: string }).at);
    assert.equal(new Set(ats).size, ats.length, 'no tick enqueued twice');
    assert.deepEqual(gaps(ats), [], 'no tick without its job');
    assert.ok(ats.length >= 3 && ats.length <= Math.ceil((stopped - started) / 1000) + 1, `one job per tick (${ats.length} in ${stopped - started} ms)`);
    assert.equal(listed.name, 'enqueue-nightly');
    assert.match(listed.lastRef, /^nightly:k-cron/);
  });

  test("'forbid' skips a tick while the previous run is still going", async (t) => {
    const prefix = 'c3';
    const scheduler = open(t, { redis: stack.redis.url, prefix, instance: 'solo' });
    let runs = 0;
    let active = 0;
    let mostActive = 0;
    // Each run outlasts the next tick (1.5 s runs, a tick per second): that tick must be skipped.
    scheduler.schedule('slow', '* * * * * *', async (tick) => {
      runs += 1;
      mostActive = Math.max(mostActive, ++active);
      await new Promise((resolve) => { const timer = setTimeout(resolve, 1_500); tick.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(undefined); }); });
      active -= 1;
    }, { concurrency: 'forbid' });
    let skipped = false;
    await eventually('a tick skipped, then a run after the first one ended', async () => {
      skipped ||= (await redis.hget(scheduleKey(prefix, 'slow'), 'lastStatus')) === 'skip-overlap';
      return skipped && runs >= 2;
    }, 15_000);
    await close(scheduler);
    const claimed = (await redis.keys(`${prefix}:cron:tick:slow:*`)).length;
    assert.equal(mostActive, 1, 'never two runs at once');
    assert.ok(claimed > runs, `overlapping ticks were skipped (${runs} runs of ${claimed} ticks)`);
  });

  test("'replace' aborts the running inline run when the next tick starts", async (t) => {
    const prefix = 'c4';
    const scheduler = open(t, { redis: stack.redis.url, prefix, instance: 'solo' });
    let started = 0;
    const reasons: string[] = [];
    scheduler.schedule('replaced', '* * * * * *', async (tick) => {
      started += 1;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        tick.signal.addEventListener('abort', () => { reasons.push(String((tick.signal.reason as Error)?.message)); clearTimeout(timer); resolve(undefined); });
      });
    }, { concurrency: 'replace', lease: '1500ms' });
    await eventually('two runs replaced', () => reasons.length >= 2, 15_000);
    const replaced = [...reasons]; // before stop(), which aborts whatever still runs
    const startedThen = started;
    await close(scheduler);
    assert.ok(startedThen >= replaced.length + 1, `each replaced run was followed by a later one (${replaced.length} aborted of ${startedThen})`);
    assert.deepEqual(replaced.filter((reason) => !/replaced by a later tick/.test(reason)), [], 'aborted because a later tick started');
  });
});

test('a Redis outage skips ticks (fail-closed) and the schedule resumes by itself', async (t) => {
  const prefix = 'c5';
  const runs: string[] = [];
  let failClosed = 0;
  const scheduler = open(t, { redis: stack.redis.url, prefix, instance: 'solo' });
  const task = scheduler.add(defineSchedule({ name: 'through-outage', pattern: '* * * * * *', run: (tick) => { runs.push(tick.fireTime.toISOString()); }, concurrency: 'allow' }));
  task.on('execution:skipped', (ctx) => { if (ctx.reason === 'coordinator-error') failClosed += 1; });
  await eventually('a tick ran before the outage', () => runs.length >= 1, 10_000);
  await stack.kill('redis');
  const during = runs.length;
  await eventually('2 ticks skipped while Redis was down', () => failClosed >= 2, 10_000);
  assert.equal(runs.length, during, 'no tick ran without a claim');
  await stack.restart('redis');
  await eventually('a tick ran after Redis returned', () => runs.length > during, 15_000);
  await close(scheduler);
  assert.equal(new Set(runs).size, runs.length);
});
