// The operator CLI against a real Redis, run as a user would: `tiered jobs stats|failed|retry|
// purge` and `tiered cron list`, plus the fail-fast exit when Redis is unreachable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { Producer } from './producer.js';
import { count, fails, stray } from './testing/fixture-jobs.js';
import { WorkerGroup } from './worker/group.js';
import { readSchedules } from './cron/state.js';
import { spawnWorker } from './testing/worker-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let stack: TestStack;
let producer: Producer;
let dir: string;
let config: string;

before(async () => {
  stack = await startTestStack({ redis: true });
  producer = new Producer({ redis: stack.redis.url, prefix: 'cli' });
  dir = mkdtempSync(join(tmpdir(), 'tiered-jobs-'));
  config = join(dir, 'tiered.yaml');
  writeFileSync(config, `queue:\n  redis: ${stack.redis.url}\n  prefix: cli\n  jobs: [${join(import.meta.dirname, 'testing/fixture-jobs.ts')}]\n`);
});
after(async () => {
  await producer?.close();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function tiered(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'ops/cli.ts', ...args], { cwd: root, env: { ...process.env, TIERED_LOG_LEVEL: 'silent' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('jobs stats, failed, retry and purge', async () => {
  const group = await WorkerGroup.start({ redis: stack.redis.url, prefix: 'cli', jobs: [fails] });
  const { ref } = await producer.enqueue(fails, { why: 'disk full' });
  const deadline = Date.now() + 15_000;
  while ((await producer.status(ref))?.status !== 'failed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await group.close(500);

  const stats = await tiered('jobs', 'stats', '--json', '-c', config);
  assert.equal(stats.code, 0, stats.stderr);
  const row = (JSON.parse(stats.stdout) as { queue: string; counts: { failed: number } }[]).find((s) => s.queue === 'fails');
  assert.equal(row?.counts.failed, 1);

  const failed = await tiered('jobs', 'failed', 'fails', '--json', '-c', config);
  assert.equal(failed.code, 0, failed.stderr);
  const [dead] = JSON.parse(failed.stdout) as { id: string; error: string }[];
  assert.deepEqual([dead.id, dead.error], [ref, 'disk full']);

  const usage = await tiered('jobs', 'retry', '-c', config);
  assert.equal(usage.code, 2);

  const retry = await tiered('jobs', 'retry', ref, '-c', config);
  assert.equal(retry.code, 0, retry.stderr);
  assert.equal((await producer.status(ref))?.status, 'queued');

  const purge = await tiered('jobs', 'purge', '--older-than', '7d', '-c', config);
  assert.equal(purge.code, 0, purge.stderr);
  assert.match(purge.stdout, /fails: removed 0 completed, 0 failed/);
});

test('cron list shows the modules\' schedules with their next run', async () => {
  const list = await tiered('cron', 'list', '--json', '-c', config);
  assert.equal(list.code, 0, list.stderr);
  const [schedule] = JSON.parse(list.stdout) as { name: string; pattern: string; nextRun: string; kind: string }[];
  assert.equal(schedule.name, 'nightly-report');
  assert.equal(schedule.kind, 'job sleepy');
  assert.ok(Date.parse(schedule.nextRun) > Date.now());
});

test('with Redis unreachable the command fails fast with a one-line error', async () => {
  const started = Date.now();
  const res = await tiered('jobs', 'stats', '--redis', 'redis://127.0.0.1:1');
  assert.equal(res.code, 1);
  assert.match(res.stderr, /TIERED_ERR_QUEUE_REDIS_DOWN/);
  assert.ok(Date.now() - started < 30_000);
});

test('tiered worker --cron runs the modules\' schedules and records them in Redis', async () => {
  const worker = await spawnWorker(['-c', config, '--jobs', 'sleepy', '--cron'], { FIXTURE_REDIS: stack.redis.url });
  try {
    const deadline = Date.now() + 10_000;
    let names: string[] = [];
    while (!names.includes('nightly-report') && Date.now() < deadline) {
      names = (await readSchedules(producer.redis, 'cli')).map((s) => s.name);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(names, ['nightly-report']);
  } finally {
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
  }
});

test('tiered worker: a job module\'s stray exception and rejection are logged, and the worker goes on with the next jobs', async () => {
  const worker = await spawnWorker(['-c', config, '--jobs', 'stray,count'], { FIXTURE_REDIS: stack.redis.url });
  try {
    await producer.enqueue(stray, { tag: 's1' });
    const deadline = Date.now() + 20_000;
    while (!/stray timer of s1/.test(worker.output()) || !/stray rejection of s1/.test(worker.output())) {
      assert.ok(Date.now() < deadline, `the stray faults were logged:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(worker.child.exitCode, null, 'the worker is still running');
    const { ref } = await producer.enqueue(count, { n: 4242 });
    while ((await producer.status(ref))?.status !== 'completed') {
      assert.ok(Date.now() < deadline, 'a later job completed');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(worker.output(), /uncaught exception \(job module\?\): logged, worker goes on/);
  } finally {
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
  }
});
