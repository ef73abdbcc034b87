// Per-minute completed/failed counts against a real Redis: what RateCounter writes is what
// BullMQ's Queue.getMetrics (and so the queue view) reads, and a worker group's last counts are
// written when it closes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Queue, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { defineJob, Producer, WorkerGroup } from '../index.js';
import { RateCounter } from './rates.js';

let stack: TestStack;
let redis: Redis;

before(async () => {
  stack = await startTestStack({ redis: true });
  redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
});
after(async () => {
  redis?.disconnect();
  await stack?.stop();
});

test('counts flushed in batches become BullMQ per-minute data points', async () => {
  let clock = 10 * 60_000 + 1_000;
  const rates = new RateCounter({ redis, prefix: 'rt', intervalMs: 3_600_000, now: () => clock });
  const queue = new Queue('counted', { connection: redis, prefix: 'rt' });
  try {
    for (let i = 0; i < 2; i++) rates.add('counted', 'completed');
    await rates.flush();
    for (let i = 0; i < 3; i++) rates.add('counted', 'completed');
    rates.add('counted', 'failed');
    clock += 60_000; // next minute: the first minute's 2 become a point
    await rates.flush();
    clock += 3 * 60_000; // three minutes later: the 3 of the second minute, then two empty minutes
    await rates.flush(); // nothing counted since: no write at all
    rates.add('counted', 'completed');
    await rates.flush();
    const completed = await queue.getMetrics('completed');
    assert.equal(Number(completed.meta.count), 6);
    assert.deepEqual(completed.data, [0, 0, 3, 2]);
    assert.equal(Number((await queue.getMetrics('failed')).meta.count), 1);
  } finally {
    await rates.close();
    await queue.close();
  }
});

test('counts that could not be written are kept for the next flush', async () => {
  const offline = new Redis(stack.redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  offline.on('error', () => {});
  const rates = new RateCounter({ redis: offline, prefix: 'rk', intervalMs: 3_600_000 });
  const queue = new Queue('kept', { connection: redis, prefix: 'rk' });
  try {
    for (let i = 0; i < 4; i++) rates.add('kept', 'completed');
    await rates.flush(); // not connected yet: the write fails (and starts the lazy connection)
    assert.equal(Number((await queue.getMetrics('completed')).meta.count), 0);
    if (offline.status !== 'ready') await once(offline, 'ready');
    await rates.flush();
    assert.equal(Number((await queue.getMetrics('completed')).meta.count), 4);
  } finally {
    await rates.close();
    await queue.close();
    offline.disconnect();
  }
});

test('a worker group writes its completed and dead-letter counts, the last ones on close', async () => {
  const producer = new Producer({ redis: stack.redis.url, prefix: 'rg' });
  const ok = defineJob({ name: 'ok', schema: z.object({ n: z.number() }), handler: async () => 'done' });
  const bad = defineJob({ name: 'bad', schema: z.object({}), attempts: 1, handler: () => { throw new UnrecoverableError('no'); } });
  const group = await WorkerGroup.start({ redis: stack.redis.url, prefix: 'rg', jobs: [ok, bad], concurrency: 2 });
  try {
    await producer.enqueueMany(ok, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await producer.enqueue(bad, {});
    const deadline = Date.now() + 20_000;
    while ((await producer.queue('ok').getCompletedCount()) < 3 || (await producer.queue('bad').getFailedCount()) < 1) {
      if (Date.now() > deadline) throw new Error('jobs did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await group.close(1_000);
  }
  assert.equal(Number((await producer.queue('ok').getMetrics('completed')).meta.count), 3);
  assert.equal(Number((await producer.queue('bad').getMetrics('failed')).meta.count), 1);
  assert.equal(Number((await producer.queue('bad').getMetrics('completed')).meta.count), 0);
  await producer.close();
});
