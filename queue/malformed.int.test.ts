// Regression tests for malformed job payloads and hostile handler outcomes (found by
// queue/payloads.fuzz.test.ts): exact bytes written into a real Redis, a real BullMQ worker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { defineJob, Producer, WorkerGroup } from './index.js';
import { listFailed } from './admin.js';

const PREFIX = 'mal';
const echo = defineJob({ name: 'mal.echo', schema: z.object({ n: z.number() }), attempts: 1, handler: ({ n }) => n });
const thrower = defineJob({
  name: 'mal.throw',
  schema: z.object({ what: z.string() }),
  attempts: 1,
  handler: ({ what }) => {
    if (what === 'null') throw null;
    if (what === 'undefined') throw undefined;
    if (what === 'string') throw 'plain string';
    if (what === 'hostile') throw Object.create(Error.prototype, { message: { get() { throw new Error('getter'); } } });
    if (what === 'bigint') return 1n;
    return 'ok';
  },
});

describe('malformed jobs on a real BullMQ worker', () => {
  let stack: TestStack;
  let producer: Producer;
  let group: WorkerGroup;
  let redis: Redis;
  let queue: Queue;
  let throwQueue: Queue;

  before(async () => {
    stack = await startTestStack({ redis: true });
    producer = new Producer({ redis: stack.redis.url, prefix: PREFIX });
    redis = new Redis(stack.redis.url);
    queue = new Queue(echo.name, { connection: redis, prefix: PREFIX });
    throwQueue = new Queue(thrower.name, { connection: redis, prefix: PREFIX });
    group = await WorkerGroup.start({ redis: stack.redis.url, prefix: PREFIX, jobs: [echo, thrower], metrics: false });
  });
  after(async () => {
    await group?.close(1_000);
    await queue?.close();
    await throwQueue?.close();
    await producer?.close();
    redis?.disconnect();
    await stack?.stop();
  });

  async function settled(q: Queue, id: string, ms = 5_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const state = await q.getJobState(id);
      if (state === 'failed' || state === 'completed') return state;
      if (Date.now() > deadline) return state;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function withRawData(id: string, data: string) {
    const job = await queue.add(echo.name, { n: 0 }, { delay: 3_600_000, attempts: 1, jobId: id });
    await redis.hset(`${PREFIX}:${echo.name}:${id}`, 'data', data);
    await job.promote();
  }

  test('regression: a stored payload that is not JSON fails at once as a dead letter (was: left active until the stalled checker, twice the lock duration)', async () => {
    await withRawData('not-json', '{"n":1');
    assert.equal(await settled(queue, 'not-json'), 'failed');
    const job = await redis.hgetall(`${PREFIX}:${echo.name}:not-json`);
    assert.match(job.failedReason, /not JSON/);
    assert.equal(job.data, '{"n":1', 'the raw payload is kept for inspection');
    const good = await producer.enqueue(echo, { n: 7 });
    assert.equal(await settled(queue, good.id), 'completed');
  });

  test('regression: tiered jobs failed and the status endpoint list a job whose payload is not JSON (was: SyntaxError for the whole list)', async () => {
    await withRawData('listed', 'abc');
    assert.equal(await settled(queue, 'listed'), 'failed');
    const listed = await listFailed(producer, echo.name, 10);
    const view = listed.find((v) => v.id === `${echo.name}:listed`);
    assert.ok(view, 'listed');
    assert.equal(view.status, 'failed');
    const status = await producer.status(`${echo.name}:listed`);
    assert.equal(status?.status, 'failed');
    assert.match(String(status?.error), /not JSON/);
  });

  test('a payload of the wrong shape fails for good with the field path', async () => {
    await withRawData('wrong-shape', '{"n":"seven"}');
    assert.equal(await settled(queue, 'wrong-shape'), 'failed');
    assert.match((await redis.hget(`${PREFIX}:${echo.name}:wrong-shape`, 'failedReason'))!, /payload\.n/);
  });

  for (const what of ['null', 'undefined', 'string', 'hostile', 'bigint']) {
    const regression = what === 'string' || what === 'bigint' ? '' : 'regression: ';
    test(`${regression}a handler that ${what === 'bigint' ? 'returns a BigInt' : `throws ${what}`} ends as a failed job, and the worker goes on${regression ? ' (was: left active, lock lost, until the stalled checker)' : ''}`, async () => {
      const job = await throwQueue.add(thrower.name, { what }, { attempts: 1 });
      assert.equal(await settled(throwQueue, job.id!), 'failed');
      const reason = await redis.hget(`${PREFIX}:${thrower.name}:${job.id}`, 'failedReason');
      assert.ok(reason, 'with a reason');
      const good = await producer.enqueue(echo, { n: 1 });
      assert.equal(await settled(queue, good.id), 'completed');
    });
  }
});
