// Fuzz target: messages on the invalidation bus (Redis pub/sub, real Redis). Each case publishes
// hostile messages straight on `tiered:cache:<ns>:invalidate` (random bytes, JSON of any shape,
// keys/tags of the wrong types, huge arrays, lone surrogates), then a real invalidation from
// another cache. The listening cache must not crash or leak a rejection, must never keep serving
// an invalidated value from L1 (a message it cannot read flushes L1), and must go on trusting L1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { fuzz } from '../sdk/testing/fuzz.js';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { createCache, type Cache } from './cache.js';
import { sleep } from './timeouts.js';

const NS = 'bfz';
const CHANNEL = `tiered:cache:${NS}:invalidate`;
const odd = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
const message = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record({ o: fc.oneof(fc.uuid(), odd), keys: fc.oneof(fc.array(fc.string(), { maxLength: 4 }), odd), tags: fc.oneof(fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), odd) }, { requiredKeys: [] })
    .map((v) => JSON.stringify(v)),
  fc.integer({ min: 1000, max: 120_000 }).map((n) => JSON.stringify({ o: 'x', keys: Array.from({ length: n }, (_, i) => `k${i}`) })),
  fc.constantFrom('', 'null', '[]', '{}', '{"o":"x"}', '{"o":"x","keys":[1]}', '{"o":"x","tags":{"t":1}}', '{"__proto__":{"keys":["x"]}}', '"\\ud800"'),
);

describe('invalidation bus on real Redis', () => {
  let stack: TestStack;
  let raw: Redis;
  let writer: Cache;
  let reader: Cache;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  before(async () => {
    process.on('unhandledRejection', onRejection);
    stack = await startTestStack({ redis: true });
    raw = new Redis(stack.redis.url);
    const options = { store: { redis: stack.redis.url, timeout: '2s' }, bus: { redis: stack.redis.url }, namespace: NS, l1: { maxEntries: 1000, ttl: '1h' } } as const;
    writer = createCache(options);
    reader = createCache(options);
    await Promise.all([writer.ready(), reader.ready()]);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await writer?.close();
    await reader?.close();
    raw?.disconnect();
    await stack?.stop();
  });

  test('hostile bus messages never crash a subscriber nor hide an invalidation from its L1', async () => {
    let n = 0;
    const cases = await fuzz('cache bus messages', fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 3 }), async (messages) => {
      const key = `k${++n}`;
      let version = 1;
      const load = async () => version;
      assert.equal(await reader.getOrLoad(key, load), 1); // now in the reader's L1
      for (const m of messages) await raw.publish(CHANNEL, m);
      version = 2;
      await writer.invalidate(key);
      const deadline = Date.now() + 2_000;
      while ((await reader.getOrLoad(key, load)) !== 2) {
        assert.ok(Date.now() < deadline, 'the reader kept serving an invalidated value');
        await sleep(5);
      }
      assert.ok(reader.busConnected);
      assert.deepEqual(rejections, []);
    }), { short: 3 });
    assert.ok(cases > 0);
  });
});
