// Fuzz target: what getOrLoad, getMany, peek and invalidateTags read back from a real memcached and a real
// Redis. Each case writes hostile bytes straight into the server under the keys the cache uses
// (`<ns>:v:<key>` entry, `<ns>:t:<tag>` tag counter, `<ns>:l:<key>` lease; on Redis also keys
// of another type): random bytes, envelopes with lying lengths, headers of the wrong shape,
// truncated and corrupted real entries, garbage payloads, huge values. Then the public API must
// resolve: a value that does not decode is a miss (the loader's value, written back so the next
// read hits), a foreign tag counter or lease is replaced, nothing opens the breaker, no
// unhandled rejection escapes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import memjs from 'memjs';
import { Redis } from 'ioredis';
import { fuzz } from '../../sdk/testing/fuzz.js';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { createCache, type Cache } from '../cache.js';
import { decodeEntry, encodeEntry, jsonSerializer } from '../envelope.js';
import { keySpace } from '../keys.js';

const NS = 'fz';
const keys = keySpace(NS);

function envelope(head: Buffer, payload: Buffer, declared = head.length): Buffer {
  const prefix = Buffer.alloc(6);
  prefix[0] = 0x54;
  prefix[1] = 0x01;
  prefix.writeUInt32BE(declared >>> 0, 2);
  return Buffer.concat([prefix, head, payload]);
}

const now = Date.now();
const time = fc.oneof(fc.integer({ min: now - 1e7, max: now + 1e7 }), fc.double(), fc.constantFrom(-1, 0, 1e308, -1e308));
const oddValue = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.nat(), { maxLength: 3 }), fc.object({ maxDepth: 1 }), time);
const header = fc.oneof(
  // the right shape with lying fields
  fc.record({ c: fc.oneof(time, oddValue), f: fc.oneof(time, oddValue), s: fc.oneof(time, oddValue), d: fc.oneof(time, oddValue),
    t: fc.option(fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 12 }), oddValue), { maxKeys: 5 }), oddValue)),
    n: fc.option(fc.oneof(fc.constant(1), oddValue)) }, { requiredKeys: ['c', 'f', 's', 'd'] }),
  fc.jsonValue({ maxDepth: 3 }),
).map((h) => Buffer.from(JSON.stringify(h) ?? 'null'));
const payloadBytes = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.nat({ max: 5000 }).map((n) => Buffer.from('['.repeat(n))), // deep and unclosed
);
const realEntry = fc.record({ value: fc.jsonValue({ maxDepth: 2 }), negative: fc.boolean(), tags: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.nat().map(String), { maxKeys: 3 }) })
  .map(({ value, negative, tags }) => encodeEntry({ createdAt: now, freshUntil: now + 60_000, staleUntil: now + 120_000, delta: 3, tags, negative, value: negative ? undefined : value }, jsonSerializer));

/** Bytes for an entry key: anything but, mostly, almost an entry. */
const entryBytes = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)) },
  { weight: 4, arbitrary: fc.tuple(header, payloadBytes).map(([h, p]) => envelope(h, p)) },
  { weight: 2, arbitrary: fc.tuple(header, payloadBytes, fc.oneof(fc.nat(), fc.constant(0xffffffff), fc.integer({ min: -5, max: 5 }))).map(([h, p, lie]) => envelope(h, p, h.length + lie)) },
  { weight: 3, arbitrary: fc.tuple(realEntry, fc.nat()).map(([b, cut]) => b.subarray(0, cut % Math.max(1, b.length))) },
  { weight: 3, arbitrary: fc.tuple(realEntry, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([b, at, x]) => { const c = Buffer.from(b); c[at % c.length] ^= x; return c; }) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(0), Buffer.from('T'), Buffer.from([0x54, 0x01]), Buffer.from('T\u0001\u0000\u0000\u0000'), Buffer.from('null'), Buffer.from('1')) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 900_000 }).map((n) => envelope(Buffer.from(`{"c":${now},"f":${now + 60_000},"s":${now + 60_000},"d":1}`), Buffer.alloc(n, 0x7b))) },
);
const smallBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constantFrom('', '-1', '1.5', '18446744073709551615', '99999999999999999999999', ' 12', '12 ', '0x10', 'NaN', '1e3', '\u0000').map((s) => Buffer.from(s)),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => Buffer.alloc(n, 0x31)), // a "counter" far too long
);

type Slot = 'entry' | 'tag' | 'lease';
type RedisType = 'string' | 'list' | 'hash' | 'set' | 'zset';
const caseOf = (redis: boolean) => fc.record({
  slot: fc.constantFrom<Slot>('entry', 'entry', 'entry', 'tag', 'lease'),
  bytes: fc.constant(undefined as Buffer | undefined),
  type: redis ? fc.constantFrom<RedisType>('string', 'string', 'string', 'string', 'list', 'hash', 'set', 'zset') : fc.constant<RedisType>('string'),
}).chain((c) => (c.slot === 'entry' ? entryBytes : smallBytes).map((bytes) => ({ ...c, bytes })));

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

describe('cache values read back from real servers', () => {
  let stack: TestStack;
  let mc: memjs.Client;
  let redis: Redis;
  const caches: Cache[] = [];

  before(async () => {
    process.on('unhandledRejection', onRejection);
    stack = await startTestStack({ redis: true, memcached: 1 });
    mc = memjs.Client.create(stack.memcached[0].address, { logger: { log: () => {} } });
    redis = new Redis(stack.redis.url);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    for (const cache of caches) await cache.close().catch(() => {});
    mc?.close();
    redis?.disconnect();
    await stack?.stop();
  });

  /** Hostile bytes straight into the server under a cache key (on Redis also as another type). */
  const writeAs = async (kind: 'memcached' | 'redis', key: string, bytes: Buffer, type: RedisType) => {
    if (kind === 'memcached') {
      await mc.set(key, bytes, { expires: 300 });
      return;
    }
    await redis.del(key);
    if (type === 'string') await redis.set(key, bytes, 'EX', 300);
    else if (type === 'list') await redis.rpush(key, bytes);
    else if (type === 'hash') await redis.hset(key, 'f', bytes);
    else if (type === 'set') await redis.sadd(key, bytes);
    else await redis.zadd(key, 1, bytes);
  };

  for (const kind of ['memcached', 'redis'] as const) {
    test(`getMany on ${kind}: malformed entries, tag counters or leases among a page's keys are misses, loaded once`, async () => {
      const cache = createCache({
        store: kind === 'memcached' ? { memcached: [stack.memcached[0].address], timeout: '2s' } : { redis: stack.redis.url, timeout: '2s' },
        namespace: NS, l1: false, leaseWait: '500ms', hardTimeout: '3s', jitter: 0,
      });
      caches.push(cache);
      let n = 0;
      const cases = await fuzz(`cache getMany values ${kind}`, fc.asyncProperty(fc.array(caseOf(kind === 'redis'), { minLength: 1, maxLength: 4 }), async (slots) => {
        const id = ++n;
        const page = [0, 1, 2, 3, 4].map((i) => `m${id}:${i}`);
        const tag = `mt${id}`;
        // One after another: two slots may name the one tag key (written at once, a DEL + SADD of one
        // could land on the other's SET: WRONGTYPE from the test's own writes, as seen in CI).
        for (const [i, { slot, bytes, type }] of slots.entries()) {
          await writeAs(kind, slot === 'entry' ? keys.entry(page[i]) : slot === 'tag' ? keys.tag(tag) : keys.lease(page[i]), bytes!, type);
        }
        const loaded: string[] = [];
        const loader = async (missing: string[]) => {
          loaded.push(...missing);
          return missing.map((k) => ({ k }));
        };
        const started = Date.now();
        const values = await cache.getMany(page, loader, { tags: [tag] });
        assert.ok(Date.now() - started < 2_500, `getMany took ${Date.now() - started} ms`);
        values.forEach((v, i) => {
          if (loaded.includes(page[i])) assert.deepEqual(v, { k: page[i] });
        });
        assert.equal(new Set(loaded).size, loaded.length, 'each key loaded at most once');
        const again = loaded.length;
        const second = await cache.getMany(page, loader, { tags: [tag] });
        assert.deepEqual(second, values, 'the page reads back as it was answered');
        assert.equal(loaded.length, again, 'the second read of the page is all hits');
        await cache.invalidate(page);
        assert.equal(cache.breakerMode, 'closed');
        assert.deepEqual(rejections, []);
      }), { short: 3 });
      assert.ok(cases > 0);
    });

    test(`getOrLoad on ${kind}: a malformed entry, tag counter or lease is a miss, never an error`, async () => {
      const cache = createCache({
        store: kind === 'memcached' ? { memcached: [stack.memcached[0].address], timeout: '2s' } : { redis: stack.redis.url, timeout: '2s' },
        namespace: NS, l1: false, leaseWait: '500ms', hardTimeout: '3s', jitter: 0,
      });
      caches.push(cache);
      let n = 0;
      const write = (key: string, bytes: Buffer, type: RedisType) => writeAs(kind, key, bytes, type);
      const cases = await fuzz(`cache values ${kind}`, fc.asyncProperty(caseOf(kind === 'redis'), async ({ slot, bytes, type }) => {
        const id = ++n;
        const key = `k${id}`;
        const tag = `t${id}`;
        const target = slot === 'entry' ? keys.entry(key) : slot === 'tag' ? keys.tag(tag) : keys.lease(key);
        await write(target, bytes!, type);
        let decodable = false;
        if (slot === 'entry' && type === 'string') {
          try {
            decodeEntry(key, bytes!, jsonSerializer);
            decodable = true;
          } catch {}
        }
        const loaded = { id };
        let calls = 0;
        const loader = async () => {
          calls++;
          return loaded;
        };
        await cache.peek(key); // must resolve, whatever it finds
        const started = Date.now();
        const first = await cache.getOrLoad(key, loader, { tags: [tag] });
        assert.ok(Date.now() - started < 2_500, `getOrLoad took ${Date.now() - started} ms`);
        if (!decodable) {
          assert.deepEqual(first, loaded);
          assert.equal(calls, 1);
          // the bad value was replaced: the next read is a hit
          assert.deepEqual(await cache.getOrLoad(key, loader, { tags: [tag] }), loaded);
          assert.equal(calls, 1, 'second read after a malformed value should hit');
        }
        if (slot === 'tag') {
          await cache.invalidateTags([tag]); // a foreign counter must not block tag invalidation
          assert.deepEqual(await cache.getOrLoad(key, loader, { tags: [tag] }), loaded);
          assert.equal(calls, 2, 'the tag bump must make the entry stale');
        }
        await cache.invalidate(key);
        assert.equal(cache.breakerMode, 'closed');
        assert.deepEqual(rejections, []);
      }), { short: 3 });
      assert.ok(cases > 0);
    });
  }
});
