// One contract, three stores: memcached (3 real servers, ketama ring), Redis (real) and memory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import type { CacheStore } from '../store.js';
import { ValueTooLargeError } from '../errors.js';
import { createMemcachedStore } from './memcached.js';
import { createRedisStore } from './redis.js';
import { createMemoryStore } from './memory.js';

// One top-level suite: with --test-name-pattern matching nothing here, Node's runner would
// otherwise run the root after() before before() and leave the servers up.
describe('cache store contract (memcached ×3, Redis, memory)', () => {

  let stack: TestStack;
  const stores: Record<string, CacheStore> = {};

  before(async () => {
    stack = await startTestStack({ redis: true, memcached: 3 });
    stores.memcached = createMemcachedStore({ servers: stack.memcached.map((m) => m.address), maxItemSize: 100_000, timeoutMs: 2000 });
    stores.redis = createRedisStore({ url: stack.redis.url, maxItemSize: 100_000, timeoutMs: 2000 });
    stores.memory = createMemoryStore({ maxEntries: 1000, maxItemSize: 100_000 });
  });

  after(async () => {
    for (const store of Object.values(stores)) await store.close();
    await stack?.stop();
  });

  for (const kind of ['memcached', 'redis', 'memory']) {
    describe(`store contract: ${kind}`, () => {
      const s = () => stores[kind];
      const k = (name: string) => `contract:${kind}:${name}:${process.pid}`;

      test('get of a missing key is undefined; set then get returns the same bytes', async () => {
        assert.equal(await s().get(k('missing')), undefined);
        const bytes = Buffer.from([0, 1, 2, 255, 10, 13]);
        await s().set(k('a'), bytes, 10_000);
        assert.deepEqual(await s().get(k('a')), bytes);
      });

      test('getMulti answers in order with undefined for misses', async () => {
        await s().set(k('m1'), Buffer.from('one'), 10_000);
        await s().set(k('m3'), Buffer.from('three'), 10_000);
        const got = await s().getMulti([k('m1'), k('m2'), k('m3')]);
        assert.deepEqual(got.map((b) => b?.toString()), ['one', undefined, 'three']);
        assert.deepEqual(await s().getMulti([]), []);
      });

      test('add only creates: the second add of a held key fails', async () => {
        assert.equal(await s().add(k('lease'), Buffer.from('t1'), 10_000), true);
        assert.equal(await s().add(k('lease'), Buffer.from('t2'), 10_000), false);
        assert.equal((await s().get(k('lease')))?.toString(), 't1');
        assert.equal(await s().delete(k('lease')), true);
        assert.equal(await s().add(k('lease'), Buffer.from('t3'), 10_000), true);
      });

      test('delete reports whether the key existed', async () => {
        await s().set(k('d'), Buffer.from('x'), 10_000);
        assert.equal(await s().delete(k('d')), true);
        assert.equal(await s().delete(k('d')), false);
        assert.equal(await s().get(k('d')), undefined);
      });

      test('incr creates at initial, then counts up, readable as decimal text', async () => {
        assert.equal(await s().incr(k('v'), 1000), 1000);
        assert.equal(await s().incr(k('v'), 1000), 1001);
        assert.equal(await s().incr(k('v'), 5), 1002);
        assert.equal((await s().get(k('v')))?.toString(), '1002');
      });

      test('entries expire after their ttl', async () => {
        await s().set(k('ttl'), Buffer.from('short'), 1000);
        await s().add(k('ttl-add'), Buffer.from('short'), 1000);
        assert.equal((await s().get(k('ttl')))?.toString(), 'short');
        await sleep(2100);
        assert.equal(await s().get(k('ttl')), undefined);
        assert.equal(await s().add(k('ttl-add'), Buffer.from('again'), 1000), true);
      });

      test('a lease fill writes only while the lease holds the token (atomic where the store can)', async () => {
        const { fillUnderLease, takeLease } = await import('../leases.js');
        const lease = await takeLease(s(), k('fl'), 10_000);
        assert.ok(lease);
        assert.equal(await fillUnderLease(s(), lease, k('fv'), Buffer.from('mine'), 10_000), true);
        assert.equal((await s().get(k('fv')))?.toString(), 'mine');
        assert.equal(await s().get(k('fl')), undefined, 'the lease is released by the fill');
        const voided = await takeLease(s(), k('fl'), 10_000);
        assert.ok(voided);
        await s().delete(k('fl')); // an invalidation voids it
        assert.equal(await fillUnderLease(s(), voided, k('fv2'), Buffer.from('stale'), 10_000), false);
        assert.equal(await s().get(k('fv2')), undefined);
      });

      test('a value over the item limit is refused with a clear error and nothing is stored', async () => {
        const big = Buffer.alloc(100_001, 1);
        await assert.rejects(s().set(k('big'), big, 10_000), (error: unknown) => {
          assert.ok(error instanceof ValueTooLargeError);
          assert.equal(error.code, 'TIERED_ERR_CACHE_VALUE_TOO_LARGE');
          assert.match(error.message, /100001 bytes.*limit of 100000/);
          return true;
        });
        assert.equal(await s().get(k('big')), undefined);
        await s().set(k('fits'), Buffer.alloc(100_000, 2), 10_000);
        assert.equal((await s().get(k('fits')))?.length, 100_000);
      });
    });
  }

  test('memcached ring spreads keys over all three servers (each server answers only its own keys)', async () => {
    const servers = stack.memcached.map((m) => m.address);
    const singles = servers.map((address) => createMemcachedStore({ servers: [address] }));
    try {
      const ring = stores.memcached;
      const keys = Array.from({ length: 60 }, (_, i) => `spread:${i}`);
      for (const key of keys) await ring.set(key, Buffer.from(key), 10_000);
      const perServer = await Promise.all(singles.map(async (one) => (await one.getMulti(keys)).filter(Boolean).length));
      assert.equal(perServer.reduce((a, b) => a + b, 0), keys.length, `each key on exactly one server: ${perServer}`);
      for (const n of perServer) assert.ok(n > 0, `a server got no keys: ${perServer}`);
    } finally {
      for (const one of singles) await one.close();
    }
  });

});
