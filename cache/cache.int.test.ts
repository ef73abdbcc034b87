// getOrLoad against real servers: memcached ×3 (ketama ring) and Redis, from startTestStack.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { createCache, createMemcachedStore, type Cache, type StoreSpec } from './index.js';
import { runStampede } from './fixtures/children.js';
import { sleep } from './timeouts.js';

let stack: TestStack;
const opened: Cache[] = [];
const open = (options: Parameters<typeof createCache>[0]) => {
  const cache = createCache(options);
  opened.push(cache);
  return cache;
};
let run = 0;
const fresh = (name: string) => `${name}:${process.pid}:${++run}`;

before(async () => {
  stack = await startTestStack({ redis: true, memcached: 3 });
});

after(async () => {
  for (const cache of opened) await cache.close().catch(() => {});
  await stack?.stop();
});

const specs = (): Record<string, StoreSpec> => ({
  memcached: { memcached: stack.memcached.map((m) => m.address) },
  redis: { redis: stack.redis.url },
});

for (const kind of ['memcached', 'redis']) {
  describe(`getOrLoad on ${kind}`, () => {
    test('read-through, then invalidate (delete, never update)', async () => {
      const cache = open({ store: specs()[kind], l1: false, namespace: fresh('rt') });
      let n = 0;
      assert.equal(await cache.getOrLoad('user:1', async () => ++n), 1);
      assert.equal(await cache.getOrLoad('user:1', async () => ++n), 1);
      await cache.invalidate('user:1');
      assert.equal(await cache.getOrLoad('user:1', async () => ++n), 2);
    });

    test('1,000 concurrent cold getOrLoad in one process → 1 loader call', async () => {
      const cache = open({ store: specs()[kind], l1: false, namespace: fresh('sf') });
      let calls = 0;
      const values = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrLoad('hot', async () => {
        calls++;
        await sleep(50);
        return 'v';
      })));
      assert.equal(calls, 1);
      assert.ok(values.every((v) => v === 'v'));
    });

    test('a stale set after an invalidation is rejected', async () => {
      const cache = open({ store: specs()[kind], l1: false, namespace: fresh('stale') });
      let row = 'old';
      const inFlight = cache.getOrLoad('row', async () => {
        const read = row;
        await sleep(100);
        return read;
      });
      await sleep(30);
      row = 'new';
      await cache.invalidate('row');
      assert.equal(await inFlight, 'old');
      assert.equal(await cache.peek('row'), undefined, 'the old value was not written back');
      assert.equal(await cache.getOrLoad('row', async () => row), 'new');
    });

    test('grace serves the stale value while the loader fails', async () => {
      const cache = open({ store: specs()[kind], l1: false, namespace: fresh('grace'), ttl: 100, grace: '1h', jitter: 0 });
      assert.equal(await cache.getOrLoad('g', async () => 'v1'), 'v1');
      await sleep(200);
      for (let i = 0; i < 3; i++) assert.equal(await cache.getOrLoad('g', async () => { throw new Error('origin down'); }), 'v1');
      assert.equal(await cache.getOrLoad('g', async () => 'v2'), 'v2');
    });

    test('tags: bumping a tag invalidates every entry carrying it', async () => {
      const cache = open({ store: specs()[kind], l1: false, namespace: fresh('tags') });
      let n = 0;
      const load = async () => ++n;
      await cache.getOrLoad('post:1', load, { tags: ['author:7'] });
      await cache.getOrLoad('post:2', load, { tags: ['author:7'] });
      await cache.getOrLoad('post:3', load, { tags: ['author:8'] });
      await cache.invalidateTags('author:7');
      assert.equal(await cache.getOrLoad('post:1', load, { tags: ['author:7'] }), 4);
      assert.equal(await cache.getOrLoad('post:2', load, { tags: ['author:7'] }), 5);
      assert.equal(await cache.getOrLoad('post:3', load, { tags: ['author:8'] }), 3);
    });

    test('4 real processes × 250 concurrent cold readers, with leases → 1 loader call', async () => {
      const result = await runStampede(4, { store: specs()[kind], key: fresh('stampede'), readers: 250, loadMs: 300 });
      assert.equal(result.calls, 1, `loader calls per process: ${result.perChild}`);
    });
  });
}

test('L1 copies are dropped in other processes through the Redis bus', async () => {
  const ns = fresh('bus');
  const common = { store: specs().memcached, namespace: ns, l1: { maxEntries: 100, ttl: '1m' }, bus: { redis: stack.redis.url } };
  const a = open(common);
  const b = open(common);
  await Promise.all([a.ready(), b.ready()]);
  let n = 0;
  const load = async () => ++n;
  assert.equal(await a.getOrLoad('k', load, { tags: ['t'] }), 1);
  assert.equal(await b.getOrLoad('k', load, { tags: ['t'] }), 1); // b now holds it in L1
  await a.invalidate('k');
  await sleep(100);
  assert.equal(await b.getOrLoad('k', load, { tags: ['t'] }), 2, 'b dropped its L1 copy');
  assert.equal(await a.getOrLoad('k', load, { tags: ['t'] }), 2);
  await b.invalidateTags('t');
  await sleep(100);
  assert.equal(await a.getOrLoad('k', load, { tags: ['t'] }), 3, 'a saw the tag bump');
});

test('consistent hashing: adding a 3rd memcached to 2 remaps about a third of the keys', async () => {
  const servers = stack.memcached.map((m) => m.address);
  const two = createMemcachedStore({ servers: servers.slice(0, 2) });
  const three = createMemcachedStore({ servers });
  try {
    const keys = Array.from({ length: 600 }, (_, i) => fresh('ring') + `:${i}`);
    await Promise.all(keys.map((k) => two.set(k, Buffer.from('x'), 60_000)));
    const found = (await three.getMulti(keys)).filter(Boolean).length;
    const moved = 1 - found / keys.length;
    assert.ok(moved > 0.2 && moved < 0.5, `moved share ${moved.toFixed(3)} (modulo hashing would move ~2/3)`);
  } finally {
    await two.close();
    await three.close();
  }
});

test('memcached killed mid-run: no caller error, breaker opens, recovery probed', async () => {
  const cache = open({ store: specs().memcached, l1: false, namespace: fresh('kill'), breaker: { failureThreshold: 3, cooldownMs: 300 } });
  let calls = 0;
  const load = async () => {
    calls++;
    return 'v';
  };
  const reads = async (rounds: number) => {
    for (let r = 0; r < rounds; r++) {
      const values = await Promise.all(Array.from({ length: 30 }, (_, i) => cache.getOrLoad(`k${i}`, load)));
      assert.ok(values.every((v) => v === 'v'));
    }
  };
  await reads(3);
  await stack.kill('memcached:1', 'SIGKILL');
  await reads(10);
  assert.notEqual(cache.breakerMode, 'closed', 'the breaker opened');
  await stack.restart('memcached:1');
  const deadline = Date.now() + 15_000;
  while (cache.breakerMode !== 'closed' && Date.now() < deadline) {
    await reads(1);
    await sleep(100);
  }
  assert.equal(cache.breakerMode, 'closed', 'recovered after the probe');
  const before = calls;
  await reads(2);
  await reads(1);
  assert.ok(calls - before <= 30, 'caching again after recovery');
});

test('bus reconnect: L1 is flushed (invalidations sent while it was down are not lost)', async () => {
  const ns = fresh('gap');
  const common = { store: specs().memcached, namespace: ns, l1: { maxEntries: 100, ttl: '1m' }, bus: { redis: stack.redis.url } };
  const a = open(common);
  const b = open(common);
  await Promise.all([a.ready(), b.ready()]);
  let row = 'old';
  const load = async () => row;
  assert.equal(await b.getOrLoad('k', load), 'old'); // in b's L1
  await stack.kill('redis');
  row = 'new';
  await a.invalidate('k').catch(() => {}); // the store delete lands; the bus message is lost
  await stack.restart('redis');
  const deadline = Date.now() + 20_000;
  while (!(a.busConnected && b.busConnected) && Date.now() < deadline) await sleep(50);
  assert.ok(b.busConnected, 'the bus reconnected');
  const seen = await b.getOrLoad('k', load); // L1 is trusted again: only the flush removed 'old'
  assert.equal(seen, 'new', 'b no longer serves its pre-gap L1 copy');
});
