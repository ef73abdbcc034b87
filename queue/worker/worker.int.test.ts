// Worker processes, really spawned and killed, against a real Redis: kill -9 mid-job → the job
// completes on another worker (stalled-job recovery); SIGTERM → graceful stop that hands the
// running job back; Redis restarted (AOF on) with 10,000 jobs queued → all complete, and the
// idempotent handler's effect happens exactly once per job.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { Producer } from '../producer.js';
import { count, sleepy } from '../testing/fixture-jobs.js';
import { spawnWorker, type WorkerProcess } from '../testing/worker-process.js';

let stack: TestStack;
let redis: Redis;
let producer: Producer;
let dir: string;
let config: string;
const workers: WorkerProcess[] = [];

before(async () => {
  stack = await startTestStack({ redis: true });
  redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  producer = new Producer({ redis: stack.redis.url, prefix: 'wp', completed: { count: 20_000 } });
  dir = mkdtempSync(join(tmpdir(), 'tiered-queue-'));
  config = join(dir, 'tiered.yaml');
  writeFileSync(config, [
    'queue:',
    `  redis: ${stack.redis.url}`,
    '  prefix: wp',
    `  jobs: [${join(import.meta.dirname, '../testing/fixture-jobs.ts')}]`,
    '  worker: { lockDuration: 2s, stalledInterval: 1s, maxStalledCount: 2, shutdownGrace: 10s }',
    '  completed: { count: 20000 }',
    '',
  ].join('\n'));
});
after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await producer?.close();
  redis?.disconnect();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ FIXTURE_REDIS: stack.redis.url });
async function start(...args: string[]): Promise<WorkerProcess> {
  const w = await spawnWorker(['-c', config, ...args], env());
  workers.push(w);
  return w;
}
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined); // Redis may be restarting
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('kill -9 of a worker mid-job: the job completes on another worker', async () => {
  const pair = [await start('--jobs', 'sleepy', '--concurrency', '1'), await start('--jobs', 'sleepy', '--concurrency', '1')];
  const { ref } = await producer.enqueue(sleepy, { ms: 3_000, tag: 'k9' });
  const first = await until('job started', async () => (await redis.lrange('fixture:starts', 0, -1)).find((line) => line.startsWith('k9 ')), 20_000);
  const victim = pair.find((w) => first === `k9 ${w.pid}`)!;
  const survivor = pair.find((w) => w !== victim)!;
  victim.child.kill('SIGKILL');
  assert.equal(await victim.exited, 'SIGKILL');
  const view = await until('job completed', async () => { const s = await producer.status(ref); return s?.status === 'completed' ? s : undefined; }, 40_000);
  assert.equal(view.result, survivor.pid, 'completed by the surviving worker');
  assert.deepEqual(await redis.lrange('fixture:done', 0, -1), [`k9 ${survivor.pid}`]);
  survivor.child.kill('SIGTERM');
  assert.equal(await survivor.exited, 0);
});

test('SIGTERM: a job that outlives the grace period is handed back to the queue at once', async () => {
  const w = await spawnWorker(['-c', config, '--jobs', 'sleepy', '--grace', '300ms'], env());
  workers.push(w);
  const { ref } = await producer.enqueue(sleepy, { ms: 60_000, tag: 'term' });
  await until('job started', async () => (await redis.lrange('fixture:starts', 0, -1)).includes(`term ${w.pid}`), 20_000);
  const stopping = Date.now();
  w.child.kill('SIGTERM');
  assert.equal(await w.exited, 0, w.output());
  assert.ok(Date.now() - stopping < 10_000, 'stopped within the grace period plus shutdown');
  const view = await producer.status(ref);
  assert.equal(view?.status, 'queued', 'handed back, not left to the stalled checker');
  await producer.queue('sleepy').remove(ref.split(':')[1]);
});

test('Redis restarted with 10,000 jobs queued: all complete, each effect once', async () => {
  const total = 10_000;
  for (let i = 0; i < total; i += 1_000) {
    await producer.enqueueMany(count, Array.from({ length: 1_000 }, (_, k) => ({ n: i + k })));
  }
  assert.equal(await producer.queue('count').count(), total);
  const a = await start('--jobs', 'count', '--concurrency', '16');
  const b = await start('--jobs', 'count', '--concurrency', '16');
  await until('some progress', async () => Number(await redis.get('fixture:effects')) >= 1_500, 60_000);
  await stack.kill('redis');
  // Not an ordering wait: an outage as long as the lock duration (2 s), so the locks of jobs in
  // flight run out and the stalled checker hands those jobs out again (the repeats counted below).
  await new Promise((r) => setTimeout(r, 2_000));
  await stack.restart('redis');
  const done = await until('all completed', async () => {
    const counts = await producer.queue('count').getJobCounts('completed', 'failed');
    return counts.completed + counts.failed >= total ? counts : undefined;
  }, 120_000);
  assert.equal(done.failed, 0);
  assert.equal(done.completed, total);
  assert.equal(Number(await redis.get('fixture:effects')), total, 'each job\'s effect happened exactly once');
  const executions = Object.values(await redis.hgetall('fixture:executions')).map(Number);
  assert.equal(executions.length, total, 'every job ran');
  const repeats = executions.filter((n) => n > 1).length;
  // Only jobs in flight when Redis went away may be delivered again (2 workers × 16).
  assert.ok(repeats <= 64, `${repeats} jobs delivered more than once`);
  for (const w of [a, b]) w.child.kill('SIGTERM');
  assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0]);
});
