// getOrLoad against real servers: memcached ×3 (ketama ring) and Redis, from startTestStack.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { memcachedPlacement, createCache, createMemcachedStore, type Cache, type StoreSpec } from './index.js';
import { runStampede } from './fixtures/children.js';
import { sleep } from './timeouts.js';

// One top-level suite: with --test-name-pattern matching nothing here, Node's runner would
// otherwise run the root after() before before() and leave the servers up.
describe('cache on real memcached and Redis', () => {

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

  // Generous store timeouts: the test machine is shared and a slow answer must not turn into a
  // (correct, but here unwanted) degraded load.
  const specs = (): Record<string, StoreSpec> => ({
    memcached: { memcached: stack.memcached.map((m) => m.address), timeout: '2s' },
    redis: { redis: stack.redis.url, timeout: '2s' },
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
        let readDone: () => void = () => {};
        const hasRead = new Promise<void>((resolve) => (readDone = resolve));
        const inFlight = cache.getOrLoad('row', async () => {
          const read = row;
          readDone();
          await sleep(100);
          return read;
        });
        await hasRead; // the loader has read the old row...
        row = 'new'; // ...then a writer commits and invalidates before the fill
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

      test('getMany: one loader call for the misses, fills visible to getOrLoad and another cache, tags honoured', async () => {
        const ns = fresh('many');
        const cache = open({ store: specs()[kind], l1: false, namespace: ns });
        const calls: string[][] = [];
        const loader = async (keys: string[]) => {
          calls.push(keys);
          return keys.map((k) => (k.endsWith(':404') ? undefined : { k, n: calls.length }));
        };
        await cache.getOrLoad('post:2', async () => ({ k: 'post:2', n: 0 }), { tags: ['page'] });
        const keys = Array.from({ length: 50 }, (_, i) => `post:${i + 1}`).concat('post:404');
        const first = await cache.getMany(keys, loader, { tags: ['page'] });
        assert.equal(calls.length, 1);
        assert.equal(calls[0].length, 50, 'post:2 was cached');
        assert.deepEqual(first[1], { k: 'post:2', n: 0 });
        assert.deepEqual(first[49], { k: 'post:50', n: 1 });
        assert.equal(first[50], undefined);
        const other = open({ store: specs()[kind], l1: false, namespace: ns });
        assert.deepEqual(await other.getMany(keys, loader, { tags: ['page'] }), first, 'a second cache reads the fills');
        assert.deepEqual(await other.getOrLoad('post:7', async () => 'no'), { k: 'post:7', n: 1 });
        assert.equal(calls.length, 1);
        await cache.invalidateTags('page');
        const again = await other.getMany(['post:1', 'post:2'], loader, { tags: ['page'] });
        assert.deepEqual(again, [{ k: 'post:1', n: 2 }, { k: 'post:2', n: 2 }], 'a tag bump makes the batch stale');
      });

      test('getMany from 2 real processes × 8 concurrent calls over 40 cold keys → each key loaded once', async () => {
        const result = await runStampede(2, { store: specs()[kind], key: fresh('many-stampede'), readers: 8, loadMs: 200, many: 40 });
        assert.equal(result.calls, 40, `keys loaded per process: ${result.perChild}`);
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

  test('memcached node killed mid-run: no caller error, only its keys reload, recovery probed', async () => {
    const servers = stack.memcached.map((m) => m.address);
    const cache = open({ store: specs().memcached, l1: false, namespace: fresh('kill') });
    const ring = memcachedPlacement(servers);
    const calls = new Map<string, number>();
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    const storeKey = (k: string) => `${cache.namespace}:v:${k}`;
    const onDeadNode = new Set(keys.filter((k) => ring.locate(storeKey(k)) === 1));
    assert.ok(onDeadNode.size > 0 && onDeadNode.size < keys.length);
    const round = async () => {
      const before = new Map(calls);
      const values = await Promise.all(keys.map((k) => cache.getOrLoad(k, async () => {
        calls.set(k, (calls.get(k) ?? 0) + 1);
        return 'v';
      })));
      assert.ok(values.every((v) => v === 'v'), 'every caller got its value');
      return keys.filter((k) => (calls.get(k) ?? 0) > (before.get(k) ?? 0));
    };
    await round();
    assert.deepEqual(await round(), [], 'all cached');
    await stack.kill('memcached:1', 'SIGKILL');
    for (let i = 0; i < 5; i++) {
      const reloaded = await round();
      for (const k of reloaded) assert.ok(onDeadNode.has(k), `${k} lives on a healthy node but was reloaded`);
    }
    await stack.restart('memcached:1');
    const deadline = Date.now() + 20_000;
    let reloaded = await round();
    while (reloaded.length > 0 && Date.now() < deadline) {
      await sleep(200);
      reloaded = await round();
    }
    assert.deepEqual(reloaded, [], 'the node was probed back in and its keys are cached again');
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

  test('Redis store down: callers see no error, the breaker opens, then closes after Redis is back', async () => {
    const cache = open({ store: specs().redis, l1: false, namespace: fresh('rdown'), breaker: { failureThreshold: 3, cooldownMs: 200 } });
    let calls = 0;
    const load = async () => {
      calls++;
      return 'v';
    };
    assert.equal(await cache.getOrLoad('k', load), 'v');
    await stack.kill('redis');
    const beforeOutage = calls;
    for (let i = 0; i < 6; i++) {
      const values = await Promise.all(Array.from({ length: 20 }, () => cache.getOrLoad('k', load)));
      assert.ok(values.every((v) => v === 'v'));
    }
    assert.ok(calls - beforeOutage <= 6, `still single-flight while degraded: ${calls - beforeOutage} loads for 6 rounds of 20`);
    assert.equal(cache.breakerMode, 'open');
    await stack.restart('redis');
    const deadline = Date.now() + 20_000;
    const mode = () => cache.breakerMode;
    while (mode() !== 'closed' && Date.now() < deadline) {
      await cache.getOrLoad('k', load);
      await sleep(100);
    }
    assert.equal(cache.breakerMode, 'closed');
    const before = calls;
    await cache.getOrLoad('k', load);
    await cache.getOrLoad('k', load);
    assert.ok(calls - before <= 1, 'cached again');
  });

});
