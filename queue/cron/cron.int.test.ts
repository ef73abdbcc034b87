// Cron across instances against a real Redis: three schedulers with a per-second pattern for
// ~30 s, one of them stopped and restarted midway → every tick ran exactly once. Plus: a job
// schedule enqueues one durable job per tick, and 'forbid' skips ticks while a run is going.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { defineJob } from '../job/define.js';
import { Producer } from '../producer.js';
import { Scheduler } from './scheduler.js';
import { readSchedules } from './state.js';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('three instances, per-second ticks for ~30 s, one restarted midway: each tick runs exactly once', async () => {
  const prefix = 'c1';
  const start = (instance: string) => {
    const scheduler = new Scheduler({ redis: stack.redis.url, prefix, instance });
    scheduler.schedule('every-second', '* * * * * *', async (tick) => {
      await redis.rpush('runs', `${tick.fireTime.toISOString()} ${instance}`);
    }, { concurrency: 'allow' });
    return scheduler;
  };
  const first = Date.now();
  const a = start('a');
  let b = start('b');
  const c = start('c');
  await sleep(10_000);
  await b.stop();
  await sleep(6_000);
  b = start('b2');
  await sleep(14_000);
  const last = Date.now();
  await Promise.all([a.stop(), b.stop(), c.stop()]);
  await sleep(300);

  const runs = (await redis.lrange('runs', 0, -1)).map((line) => line.split(' '));
  const byTick = new Map<string, string[]>();
  for (const [tick, instance] of runs) byTick.set(tick, [...(byTick.get(tick) ?? []), instance]);
  const twice = [...byTick].filter(([, who]) => who.length > 1);
  assert.deepEqual(twice, [], 'no tick ran on two instances');
  // Every whole second well inside the window ran once (the edges may fall either side).
  const missing: string[] = [];
  for (let s = Math.ceil(first / 1000) + 2; s <= Math.floor(last / 1000) - 2; s++) {
    const iso = new Date(s * 1000).toISOString();
    if (!byTick.has(iso)) missing.push(iso);
  }
  assert.deepEqual(missing, [], 'no tick was lost');
  const instances = new Set(runs.map(([, who]) => who));
  assert.ok(instances.size >= 2, `ticks were shared out (${[...instances].join(', ')})`);
  assert.ok(byTick.size >= 24, `about 30 ticks ran (${byTick.size})`);
});

test('a job schedule enqueues one durable job per tick, and the schedule is listed', async () => {
  const prefix = 'c2';
  const job = defineJob({ name: 'nightly', schema: z.object({ at: z.string() }), handler: () => {} });
  const schedulers = ['x', 'y'].map((instance) => {
    const s = new Scheduler({ redis: stack.redis.url, prefix, instance });
    s.schedule('enqueue-nightly', '* * * * * *', job, { concurrency: 'allow', payload: (tick) => ({ at: tick.fireTime.toISOString() }) });
    return s;
  });
  await sleep(4_500);
  for (const s of schedulers) await s.stop();
  const producer = new Producer({ redis: stack.redis.url, prefix });
  const jobs = await producer.queue('nightly').getJobs(['waiting', 'prioritized', 'delayed']);
  const ats = jobs.map((j) => (j.data as { at: string }).at);
  assert.ok(jobs.length >= 3 && jobs.length <= 5, `one job per tick (${jobs.length})`);
  assert.equal(new Set(ats).size, ats.length, 'no tick enqueued twice');
  const listed = await readSchedules(producer.redis, prefix);
  assert.equal(listed[0]?.name, 'enqueue-nightly');
  assert.equal(listed[0]?.lastStatus, 'ok');
  assert.match(listed[0]?.lastRef ?? '', /^nightly:k-cron/);
  await producer.close();
});

test("'forbid' skips a tick while the previous run is still going", async () => {
  const prefix = 'c3';
  const scheduler = new Scheduler({ redis: stack.redis.url, prefix, instance: 'solo' });
  let runs = 0;
  scheduler.schedule('slow', '* * * * * *', async (tick) => {
    runs += 1;
    await new Promise((resolve) => { const t = setTimeout(resolve, 2_500); tick.signal.addEventListener('abort', () => { clearTimeout(t); resolve(undefined); }); });
  }, { concurrency: 'forbid' });
  await sleep(5_200);
  await scheduler.stop();
  assert.ok(runs >= 1 && runs <= 2, `overlapping ticks were skipped (${runs} runs in ~5 s of 2.5 s runs)`);
});

test("'replace' aborts the running inline run when the next tick starts", async () => {
  const prefix = 'c4';
  const scheduler = new Scheduler({ redis: stack.redis.url, prefix, instance: 'solo' });
  let started = 0;
  let aborted = 0;
  scheduler.schedule('replaced', '* * * * * *', async (tick) => {
    started += 1;
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 10_000);
      tick.signal.addEventListener('abort', () => { aborted += 1; clearTimeout(t); resolve(undefined); });
    });
  }, { concurrency: 'replace', lease: '1500ms' });
  await sleep(4_800);
  const replaced = aborted; // before stop(), which aborts whatever still runs
  await scheduler.stop();
  assert.ok(started >= 3, `a run started on each tick (${started})`);
  assert.ok(replaced >= started - 2, `runs were replaced by later ticks (${replaced} aborted of ${started})`);
});

test('a Redis outage skips ticks (fail-closed) and the schedule resumes by itself', async () => {
  const prefix = 'c5';
  const runs: string[] = [];
  const scheduler = new Scheduler({ redis: stack.redis.url, prefix, instance: 'solo' });
  scheduler.schedule('through-outage', '* * * * * *', (tick) => { runs.push(tick.fireTime.toISOString()); }, { concurrency: 'allow' });
  await sleep(2_500);
  const beforeOutage = runs.length;
  await stack.kill('redis');
  const during = runs.length;
  await sleep(2_500);
  assert.equal(runs.length, during, 'no tick ran without a claim');
  await stack.restart('redis');
  await sleep(3_500);
  await scheduler.stop();
  assert.ok(beforeOutage >= 1, `ran before the outage (${beforeOutage})`);
  assert.ok(runs.length >= during + 1, `ran again after Redis returned (${runs.length - during} runs)`);
  assert.equal(new Set(runs).size, runs.length);
});
