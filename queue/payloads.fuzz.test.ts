// Fuzz target: job payloads and handler outcomes a real BullMQ worker (WorkerGroup, real Redis)
// reads back. Payloads go straight into Redis, bypassing the Producer's zod check: a job is added
// delayed through BullMQ's Queue, its stored `data` field overwritten with hostile bytes (not
// JSON, truncated JSON, JSON of the wrong shape, deep nesting, megabytes), then promoted. A second
// job definition ("chaos") does what its payload says: throw null / a string / an object whose
// getters throw, synchronously or not; return a BigInt, a cycle, a function, a thenable whose
// `then` throws. Every job must end failed (a dead letter, listed by `tiered jobs failed` and
// the status endpoint) or completed, within seconds; no rejection escapes; and a good job
// enqueued afterwards completes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { fuzz } from '../sdk/testing/fuzz.js';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { defineJob, Producer, WorkerGroup } from './index.js';
import { listFailed } from './admin.js';

const PREFIX = 'pfz';
const strict = defineJob({
  name: 'fuzz.strict',
  schema: z.object({ n: z.number().int(), name: z.string().max(50) }),
  attempts: 1,
  handler: ({ n }) => n,
});

type Mode = 'throw' | 'reject' | 'throw-hostile' | 'return' | 'return-bigint' | 'return-cycle' | 'return-fn' | 'then-throws' | 'then-getter-throws';
function hostile(): object {
  return Object.create(Error.prototype, {
    message: { get() { throw new Error('message getter'); } },
    name: { get() { throw new Error('name getter'); } },
  });
}
const chaos = defineJob({
  name: 'fuzz.chaos',
  schema: z.object({ mode: z.string(), value: z.unknown() }),
  attempts: 1,
  handler: ({ mode, value }) => {
    switch (mode as Mode) {
      case 'throw': throw value;
      case 'reject': return Promise.reject(value);
      case 'throw-hostile': throw hostile();
      case 'return': return value;
      case 'return-bigint': return 10n;
      case 'return-cycle': { const o: Record<string, unknown> = {}; o.self = o; return o; }
      case 'return-fn': return () => value;
      case 'then-throws': return { then() { throw value; } };
      case 'then-getter-throws': return Object.defineProperty({}, 'then', { get() { throw hostile(); } });
      default: return undefined;
    }
  },
});

const rawPayload = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.tuple(fc.record({ n: fc.integer(), name: fc.string({ maxLength: 60 }) }), fc.nat()).map(([v, cut]) => { const s = JSON.stringify(v); return s.slice(0, cut % (s.length + 1)); }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 1_000_000 }).map((n) => JSON.stringify({ n: 1, name: 'x'.repeat(n) })) },
  { weight: 1, arbitrary: fc.constantFrom('', 'null', 'undefined', 'NaN', '{"n":1,"name":"ok"', '{"__proto__":{"n":1}}', '\u0000', '"\\ud800"') },
);
const chaosPayload = fc.record({
  mode: fc.constantFrom<Mode>('throw', 'reject', 'throw-hostile', 'return', 'return-bigint', 'return-cycle', 'return-fn', 'then-throws', 'then-getter-throws'),
  value: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 })),
});

describe('job payloads on a real BullMQ worker', () => {
  let stack: TestStack;
  let producer: Producer;
  let group: WorkerGroup;
  let redis: Redis;
  let queues: Record<string, Queue>;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  before(async () => {
    process.on('unhandledRejection', onRejection);
    stack = await startTestStack({ redis: true });
    producer = new Producer({ redis: stack.redis.url, prefix: PREFIX });
    redis = new Redis(stack.redis.url);
    queues = Object.fromEntries([strict, chaos].map((d) => [d.name, new Queue(d.name, { connection: redis, prefix: PREFIX })]));
    group = await WorkerGroup.start({ redis: stack.redis.url, prefix: PREFIX, jobs: [strict, chaos], concurrency: 2, metrics: false });
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await group?.close(1_000);
    for (const q of Object.values(queues ?? {})) await q.close();
    await producer?.close();
    redis?.disconnect();
    await stack?.stop();
  });

  async function settled(queue: Queue, id: string): Promise<string> {
    // well under the time budget: fast-check counts a case cut off by the budget as a pass, not a hang
    const deadline = Date.now() + 2_000;
    for (;;) {
      const state = await queue.getJobState(id);
      if (state === 'failed' || state === 'completed') return state;
      assert.ok(Date.now() < deadline, `job ${queue.name}:${id} still ${state}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  test('malformed payloads become dead letters; hostile handler outcomes never crash the worker', async () => {
    let n = 0;
    const cases = await fuzz('queue payloads', fc.asyncProperty(rawPayload, chaosPayload, async (raw, order) => {
      const i = ++n;
      // 1. raw bytes as a stored payload
      const q = queues[strict.name];
      const job = await q.add(strict.name, { n: 0, name: 'placeholder' }, { delay: 3_600_000, attempts: 1, jobId: `raw-${i}` });
      await redis.hset(`${PREFIX}:${strict.name}:${job.id}`, 'data', raw);
      await job.promote();
      let expected = 'failed';
      try {
        if (strict.schema.safeParse(JSON.parse(raw || '{}')).success) expected = 'completed';
      } catch {}
      assert.equal(await settled(q, job.id!), expected);
      if (expected === 'failed') {
        const listed = await listFailed(producer, strict.name, 5);
        assert.ok(listed.some((v) => v.id === `${strict.name}:${job.id}`), 'listed as a dead letter');
        const status = await producer.status(`${strict.name}:${job.id}`);
        assert.equal(status?.status, 'failed');
        assert.ok(status?.error, 'with a reason');
      }
      // 2. a handler doing something hostile
      const c = await queues[chaos.name].add(chaos.name, order, { attempts: 1, jobId: `chaos-${i}` });
      const state = await settled(queues[chaos.name], c.id!);
      if (order.mode !== 'return' && order.mode !== 'return-fn') assert.equal(state, 'failed', `mode ${order.mode}`); // a function is stored as no result
      // 3. the worker goes on
      const good = await producer.enqueue(strict, { n: i, name: 'good' });
      assert.equal(await settled(q, good.id), 'completed');
      assert.deepEqual(rejections, []);
    }), { short: 4 });
    assert.ok(cases > 0);
  });
});
