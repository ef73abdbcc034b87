// Regression tests for malformed values read back from real memcached and Redis (found by
// cache/stores/values.fuzz.test.ts and cache/bus.fuzz.test.ts): exact bytes, real servers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import memjs from 'memjs';
import { Redis } from 'ioredis';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { createCache, type Cache } from './cache.js';
import { keySpace } from './keys.js';

const NS = 'mf';
const keys = keySpace(NS);
const now = Date.now();

/** 'T' 0x01, u32 header length, header, payload: what encodeEntry writes, with any header. */
function entry(header: string, payload: string): Buffer {
  const head = Buffer.from(header);
  const prefix = Buffer.from([0x54, 0x01, 0, 0, 0, 0]);
  prefix.writeUInt32BE(head.length, 2);
  return Buffer.concat([prefix, head, Buffer.from(payload)]);
}

describe('malformed values on real memcached and Redis', () => {
  let stack: TestStack;
  let mc: memjs.Client;
  let redis: Redis;
  const caches: Cache[] = [];
  let run = 0;

  before(async () => {
    stack = await startTestStack({ redis: true, memcached: 1 });
    mc = memjs.Client.create(stack.memcached[0].address, { logger: { log: () => {} } });
    redis = new Redis(stack.redis.url);
  });
  after(async () => {
    for (const cache of caches) await cache.close().catch(() => {});
    mc?.close();
    redis?.disconnect();
    await stack?.stop();
  });

  for (const kind of ['memcached', 'redis'] as const) {
    const open = (extra: Partial<Parameters<typeof createCache>[0]> = {}) => {
      const cache = createCache({
        store: kind === 'memcached' ? { memcached: [stack.memcached[0].address], timeout: '2s' } : { redis: stack.redis.url, timeout: '2s' },
        namespace: NS, l1: false, leaseWait: '2s', jitter: 0, ...extra,
      });
      caches.push(cache);
      return cache;
    };
    const put = async (key: string, bytes: Buffer) => {
      if (kind === 'memcached') await mc.set(key, bytes, { expires: 0 });
      else await redis.set(key, bytes);
    };
    const fresh = () => `${kind}-${++run}`;

    describe(kind, () => {
      test('regression: peek on bytes that are not an entry resolves undefined (was: DecodeError thrown)', async () => {
        const cache = open();
        const key = fresh();
        await put(keys.entry(key), Buffer.from('hello'));
        assert.equal(await cache.peek(key), undefined);
        await put(keys.entry(key), Buffer.alloc(0));
        assert.equal(await cache.peek(key), undefined);
      });

      test('regression: an entry header recording an empty tag name is a miss (was: InvalidKeyError from getOrLoad)', async () => {
        const cache = open();
        const key = fresh();
        await put(keys.entry(key), entry(`{"c":${now},"f":${now + 600_000},"s":${now + 600_000},"d":1,"t":{"":"1"}}`, '"foreign"'));
        let calls = 0;
        assert.equal(await cache.getOrLoad(key, async () => { calls++; return 'loaded'; }), 'loaded');
        assert.equal(await cache.getOrLoad(key, async () => { calls++; return 'again'; }), 'loaded');
        assert.equal(calls, 1);
      });

      test('regression: an entry header with string times is a miss, not fresh forever (was: served the foreign value)', async () => {
        const cache = open();
        const key = fresh();
        await put(keys.entry(key), entry('{"c":0,"f":"9999999999999","s":"9999999999999","d":0}', '"foreign"'));
        assert.equal(await cache.getOrLoad(key, async () => 'loaded'), 'loaded');
      });

      test('a truncated entry (header length past the end) is a miss and is replaced', async () => {
        const cache = open();
        const key = fresh();
        const bytes = entry(`{"c":${now},"f":${now + 600_000},"s":${now + 600_000},"d":1}`, '"v"');
        await put(keys.entry(key), bytes.subarray(0, 20));
        assert.equal(await cache.getOrLoad(key, async () => 'loaded'), 'loaded');
        assert.equal(await cache.getOrLoad(key, async () => 'not again'), 'loaded');
      });

      test('regression: a tag counter holding "abc" does not block invalidateTags (was: rejected forever; memcached node ejected)', async () => {
        const cache = open();
        const key = fresh();
        const tag = `tag-${key}`;
        await put(keys.tag(tag), Buffer.from('abc'));
        let n = 0;
        assert.equal(await cache.getOrLoad(key, async () => ++n, { tags: [tag] }), 1);
        assert.equal(await cache.getOrLoad(key, async () => ++n, { tags: [tag] }), 1);
        await put(keys.tag(tag), Buffer.from('abc'));
        await cache.invalidateTags([tag]);
        await cache.invalidateTags([tag]);
        await cache.invalidateTags([tag]);
        assert.equal(await cache.getOrLoad(key, async () => ++n, { tags: [tag] }), 2);
        assert.equal(cache.breakerMode, 'closed');
        // the node was not ejected: a plain read still hits
        assert.equal(await cache.getOrLoad(key, async () => ++n, { tags: [tag] }), 2);
      });

      test('a 900 KB tag counter is replaced, not copied into every entry', async () => {
        const cache = open();
        const key = fresh();
        const tag = `tag-${key}`;
        await put(keys.tag(tag), Buffer.alloc(900_000, '1'));
        assert.equal(await cache.getOrLoad(key, async () => 'v', { tags: [tag] }), 'v');
        assert.equal(await cache.getOrLoad(key, async () => 'not again', { tags: [tag] }), 'v');
      });

      test('regression: a lease key holding foreign bytes without TTL is dropped (was: every read waited leaseWait and nothing was cached)', async () => {
        const cache = open();
        const key = fresh();
        await put(keys.lease(key), Buffer.from('1111111111'));
        const started = Date.now();
        assert.equal(await cache.getOrLoad(key, async () => 'v'), 'v');
        assert.ok(Date.now() - started < 1_500, `took ${Date.now() - started} ms`);
        assert.equal(await cache.getOrLoad(key, async () => 'not again'), 'v');
      });
    });
  }

  describe('redis keys of another type', () => {
    const open = () => {
      const cache = createCache({ store: { redis: stack.redis.url, timeout: '2s' }, namespace: NS, l1: false, leaseWait: '2s', jitter: 0 });
      caches.push(cache);
      return cache;
    };

    test('regression: a lease key that is a list is replaced (was: every read waited leaseWait, nothing cached)', async () => {
      const cache = open();
      const key = `list-lease-${++run}`;
      await redis.rpush(keys.lease(key), 'x');
      const started = Date.now();
      assert.equal(await cache.getOrLoad(key, async () => 'v'), 'v');
      assert.ok(Date.now() - started < 1_500, `took ${Date.now() - started} ms`);
      assert.equal(await cache.getOrLoad(key, async () => 'not again'), 'v');
    });

    test('regression: a tag key that is a hash does not open the breaker (was: WRONGTYPE counted as the store down)', async () => {
      const cache = open();
      const key = `hash-tag-${++run}`;
      const tag = `tag-${key}`;
      await redis.hset(keys.tag(tag), 'f', 'v');
      for (let i = 0; i < 4; i++) assert.equal(await cache.getOrLoad(`${key}-${i}`, async () => i, { tags: [tag] }), i);
      assert.equal(cache.breakerMode, 'closed');
      assert.equal(await cache.getOrLoad(`${key}-0`, async () => 'not again', { tags: [tag] }), 0);
      await redis.del(keys.tag(tag));
      await redis.zadd(keys.tag(tag), 1, 'm');
      await cache.invalidateTags([tag]);
      assert.equal(await cache.getOrLoad(`${key}-0`, async () => 'reloaded', { tags: [tag] }), 'reloaded');
    });

    test('peek on an entry key that is a set resolves undefined', async () => {
      const cache = open();
      const key = `set-entry-${++run}`;
      await redis.sadd(keys.entry(key), 'x');
      assert.equal(await cache.peek(key), undefined);
      assert.equal(await cache.getOrLoad(key, async () => 'v'), 'v');
    });
  });
});
