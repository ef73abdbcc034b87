// getOrLoad behaviour on the in-process store (fast, no servers). The same paths run against
// real memcached and Redis in cache.int.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCache } from './cache.js';
import { createMemoryStore } from './stores/memory.js';
import { LoadTimeoutError, StoreDownError, ValueTooLargeError } from './errors.js';
import type { CacheStore } from './store.js';
import { sleep } from './timeouts.js';

const memory = () => createCache({ store: 'memory', l1: false, ttl: '1m', jitter: 0 });

test('1,000 concurrent getOrLoad of a cold key call the loader once', async () => {
  const cache = memory();
  let calls = 0;
  const loader = async () => {
    calls++;
    await sleep(20);
    return { id: 1 };
  };
  const values = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrLoad('user:1', loader)));
  assert.equal(calls, 1);
  for (const v of values) assert.deepEqual(v, { id: 1 });
  assert.deepEqual(await cache.getOrLoad('user:1', loader), { id: 1 });
  assert.equal(calls, 1, 'second read is a hit');
});

test('invalidate deletes: the next read loads again', async () => {
  const cache = memory();
  let n = 0;
  const loader = async () => ++n;
  assert.equal(await cache.getOrLoad('k', loader), 1);
  await cache.invalidate('k');
  assert.equal(await cache.getOrLoad('k', loader), 2);
  assert.equal(await cache.peek('k'), 2);
});

test('"not found" (undefined) is cached for negativeTtl', async () => {
  let now = 1_000_000;
  const cache = createCache({ store: 'memory', l1: false, jitter: 0, negativeTtl: '5s', clock: () => now });
  let calls = 0;
  const loader = async () => {
    calls++;
    return undefined;
  };
  assert.equal(await cache.getOrLoad('missing', loader), undefined);
  assert.equal(await cache.getOrLoad('missing', loader), undefined);
  assert.equal(calls, 1);
  now += 6000;
  await cache.getOrLoad('missing', loader);
  assert.equal(calls, 2);
});

test('grace: a failing loader gets the stale value; without grace the error surfaces', async () => {
  let now = 1_000_000;
  const cache = createCache({ store: 'memory', l1: false, jitter: 0, ttl: '1s', grace: '1h', clock: () => now });
  assert.equal(await cache.getOrLoad('g', async () => 'v1'), 'v1');
  now += 2000;
  assert.equal(await cache.getOrLoad('g', async () => { throw new Error('db down'); }), 'v1');
  now += 2 * 3_600_000;
  await assert.rejects(cache.getOrLoad('g', async () => { throw new Error('db down'); }), /db down/);
});

test('grace: a loader slower than the soft timeout gets stale now and fills in the background', async () => {
  let now = 1_000_000;
  const cache = createCache({ store: 'memory', l1: false, jitter: 0, ttl: '1s', grace: '1h', softTimeout: 30, clock: () => now });
  await cache.getOrLoad('s', async () => 'old');
  now += 2000;
  const slow = async () => {
    await sleep(150);
    return 'new';
  };
  assert.equal(await cache.getOrLoad('s', slow), 'old');
  await sleep(300);
  assert.equal(await cache.getOrLoad('s', slow), 'new');
});

test('hard timeout without a stale value fails with LoadTimeoutError', async () => {
  const cache = createCache({ store: 'memory', l1: false, hardTimeout: 50 });
  await assert.rejects(cache.getOrLoad('h', () => sleep(500).then(() => 1)), (e: unknown) =>
    e instanceof LoadTimeoutError && e.code === 'TIERED_ERR_CACHE_LOAD_TIMEOUT');
});

test('an invalidation during a load voids the lease: the stale result is not written back', async () => {
  const cache = memory();
  let version = 1;
  let readDone: () => void = () => {};
  const hasRead = new Promise<void>((resolve) => (readDone = resolve));
  const loading = cache.getOrLoad('row', async () => {
    const read = version; // reads the old row...
    readDone();
    await sleep(50);
    return read;
  });
  await hasRead;
  version = 2; // ...a writer commits...
  await cache.invalidate('row'); // ...and invalidates while the load is in flight
  assert.equal(await loading, 1, 'the caller that started before the write still gets its value');
  assert.equal(await cache.peek('row'), undefined, 'but it was not cached');
  assert.equal(await cache.getOrLoad('row', async () => version), 2);
});

test('tags: invalidating a tag makes every entry carrying it stale, others stay', async () => {
  const cache = memory();
  let n = 0;
  const load = async () => ++n;
  await cache.getOrLoad('a', load, { tags: ['team:1'] });
  await cache.getOrLoad('b', load, { tags: ['team:1', 'x'] });
  await cache.getOrLoad('c', load, { tags: ['team:2'] });
  assert.equal(n, 3);
  await cache.invalidateTags(['team:1']);
  assert.equal(await cache.getOrLoad('a', load, { tags: ['team:1'] }), 4);
  assert.equal(await cache.getOrLoad('b', load, { tags: ['team:1', 'x'] }), 5);
  assert.equal(await cache.getOrLoad('c', load, { tags: ['team:2'] }), 3);
});

test('XFetch refreshes a hot key before it expires, in the background', async () => {
  let now = 1_000_000;
  const cache = createCache({ store: 'memory', l1: false, jitter: 0, ttl: '10s', clock: () => now, random: () => 0.01 });
  let n = 0;
  const loader = async () => {
    n++;
    now += 100; // the load "takes" 100ms: delta = 100
    return n;
  };
  assert.equal(await cache.getOrLoad('x', loader), 1);
  now += 9_000; // 1s before expiry, gap = -100·ln(0.01) ≈ 460ms: not yet
  assert.equal(await cache.getOrLoad('x', loader), 1);
  assert.equal(n, 1);
  now += 700; // ~200ms before expiry: refresh early, still answering from cache
  assert.equal(await cache.getOrLoad('x', loader), 1);
  await sleep(20);
  assert.equal(n, 2);
  assert.equal(await cache.getOrLoad('x', loader), 2);
});

test('an oversize value is refused with a clear error (no chunking)', async () => {
  const cache = createCache({ store: createMemoryStore({ maxItemSize: 1000 }), l1: false });
  await assert.rejects(cache.getOrLoad('big', async () => 'x'.repeat(5000)), (e: unknown) =>
    e instanceof ValueTooLargeError && /refuses oversize values/.test(e.message));
});

function flakyStore(): CacheStore & { down: boolean; calls: number } {
  const inner = createMemoryStore();
  const state = { down: false, calls: 0 };
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    state.calls++;
    if (state.down) throw new StoreDownError('flaky', new Error('ECONNREFUSED'));
    return fn(...args);
  };
  return Object.assign(state, {
    kind: 'flaky', maxItemSize: inner.maxItemSize, close: inner.close,
    get: guard(inner.get), getMulti: guard(inner.getMulti), set: guard(inner.set), add: guard(inner.add),
    delete: guard(inner.delete), incr: guard(inner.incr),
  });
}

test('store down: callers see no error, loads stay single-flight, the breaker opens and recovers', async () => {
  let now = 1_000_000;
  const store = flakyStore();
  const cache = createCache({ store, l1: false, clock: () => now, breaker: { failureThreshold: 2, cooldownMs: 1000 } });
  store.down = true;
  let calls = 0;
  const loader = async () => {
    calls++;
    await sleep(10);
    return 'direct';
  };
  const values = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad('k', loader)));
  assert.ok(values.every((v) => v === 'direct'));
  assert.equal(calls, 1);
  await cache.getOrLoad('k', loader);
  assert.equal(cache.breakerMode, 'open');
  const before = store.calls;
  await cache.getOrLoad('k', loader);
  assert.equal(store.calls, before, 'open breaker: the store is not touched');
  store.down = false;
  now += 1500;
  assert.equal(await cache.getOrLoad('k', loader), 'direct'); // the probe
  assert.equal(cache.breakerMode, 'closed');
  const n = calls;
  assert.equal(await cache.getOrLoad('k', loader), 'direct');
  assert.equal(calls, n, 'cached again once the store is back');
});

test('L1 answers repeat reads without touching the store; invalidate drops it', async () => {
  const store = flakyStore();
  const cache = createCache({ store, l1: { maxEntries: 100 } });
  let n = 0;
  await cache.getOrLoad('k', async () => ++n);
  const before = store.calls;
  for (let i = 0; i < 10; i++) assert.equal(await cache.getOrLoad('k', async () => ++n), 1);
  assert.equal(store.calls, before);
  await cache.invalidate('k');
  assert.equal(await cache.getOrLoad('k', async () => ++n), 2);
});

test('a lease held by a dead process: callers wait leaseWait, then load directly without caching', async () => {
  const store = createMemoryStore();
  const cache = createCache({ store, l1: false, leaseWait: 150, namespace: 'dead' });
  await store.add('dead:l:k', Buffer.from('0b6c1d52-5a3e-4c1f-9d7e-2f4a8b9c0d1e'), 60_000); // a token as takeLease writes it
  let calls = 0;
  const started = Date.now();
  const values = await Promise.all(Array.from({ length: 10 }, () => cache.getOrLoad('k', async () => ++calls)));
  assert.ok(values.every((v) => v === 1));
  assert.equal(calls, 1, 'still single-flight in the process');
  assert.ok(Date.now() - started >= 140, 'it waited for the holder first');
  assert.equal(await cache.peek('k'), undefined, 'nothing cached without the lease');
});

test('XFetch also fires on L1 hits, so an L1-hot key is refreshed before it expires', async () => {
  let now = 1_000_000;
  const cache = createCache({ store: 'memory', l1: { maxEntries: 10, ttl: '1h' }, jitter: 0, ttl: '10s', clock: () => now, random: () => 0.01 });
  let n = 0;
  const loader = async () => {
    n++;
    now += 100;
    return n;
  };
  assert.equal(await cache.getOrLoad('x', loader), 1);
  now += 9_700; // about 200 ms before expiry: gap ≈ 460 ms → refresh
  assert.equal(await cache.getOrLoad('x', loader), 1, 'answered from L1 at once');
  await sleep(20);
  assert.equal(n, 2, 'refreshed in the background');
  assert.equal(await cache.getOrLoad('x', loader), 2, 'L1 holds the new value');
});

/**
 * Starts a load of `k` that reads the row, then takes 80 ms to answer; resolves once the read is
 * done, so the caller can change the row and invalidate while that load is still in flight.
 */
async function staleLoadInFlight(cache: ReturnType<typeof memory>, options?: { tags: string[] }) {
  const db = { row: 'old' };
  let readDone: () => void = () => {};
  const hasRead = new Promise<void>((resolve) => (readDone = resolve));
  const early = cache.getOrLoad('k', async () => {
    const read = db.row;
    readDone();
    await sleep(80);
    return read;
  }, options);
  await hasRead;
  db.row = 'new';
  return { db, early };
}

test('read-your-writes: a caller arriving after invalidate() does not join a load that read old data', async () => {
  const cache = memory();
  const { db, early } = await staleLoadInFlight(cache);
  await cache.invalidate('k');
  assert.equal(await cache.getOrLoad('k', async () => db.row), 'new');
  assert.equal(await early, 'old');
  assert.equal(await cache.getOrLoad('k', async () => 'unused'), 'new');
});

test('read-your-writes with tags: after invalidateTags() a new caller gets fresh data', async () => {
  const cache = memory();
  const { db, early } = await staleLoadInFlight(cache, { tags: ['t'] });
  await cache.invalidateTags('t');
  assert.equal(await cache.getOrLoad('k', async () => db.row, { tags: ['t'] }), 'new');
  assert.equal(await early, 'old');
  assert.equal(await cache.getOrLoad('k', async () => db.row, { tags: ['t'] }), 'new');
});

test('getMany: one store read, one loader call for the misses, answers in order; hits and flights not loaded again', async () => {
  const cache = memory();
  const calls: string[][] = [];
  const loader = async (keys: string[]) => {
    calls.push(keys);
    await sleep(10);
    return keys.map((k) => (k === 'p:404' ? undefined : `v(${k})`));
  };
  assert.equal(await cache.getOrLoad('p:1', async () => 'cached'), 'cached');
  const single = cache.getOrLoad('p:2', async () => {
    await sleep(30);
    return 'single';
  });
  const values = await cache.getMany(['p:1', 'p:2', 'p:3', 'p:404', 'p:3', 'p:4'], loader);
  assert.deepEqual(values, ['cached', 'single', 'v(p:3)', undefined, 'v(p:3)', 'v(p:4)']);
  await single;
  assert.deepEqual(calls, [['p:3', 'p:404', 'p:4']], 'one call, the misses only, each once');
  assert.deepEqual(await cache.getMany(['p:4', 'p:404', 'p:3'], loader), ['v(p:4)', undefined, 'v(p:3)']);
  assert.equal(calls.length, 1, 'all cached now (the not-found too)');
  assert.equal(await cache.getOrLoad('p:3', async () => 'other'), 'v(p:3)', 'getOrLoad sees getMany fills');
});

test('getMany: concurrent calls over the same keys share flights; an invalidation during the load is not written back', async () => {
  const cache = memory();
  let calls = 0;
  let row = 'old';
  const loader = async (keys: string[]) => {
    calls++;
    const read = row;
    await sleep(30);
    return keys.map(() => read);
  };
  const [a, b] = await Promise.all([cache.getMany(['x', 'y'], loader), cache.getMany(['y', 'x'], loader)]);
  assert.deepEqual([a, b], [['old', 'old'], ['old', 'old']]);
  assert.equal(calls, 1);
  const inFlight = cache.getMany(['z'], loader);
  await sleep(5);
  row = 'new';
  await cache.invalidate('z');
  assert.deepEqual(await inFlight, ['old']);
  assert.deepEqual(await cache.getMany(['z'], loader), ['new'], 'the stale fill was rejected');
});

test('getMany: a loader answering the wrong number of values fails the call; the store down still answers (degraded)', async () => {
  const cache = memory();
  await assert.rejects(cache.getMany(['a', 'b'], async () => ['only one']), /1 answers for 2 keys/);
  assert.deepEqual(await cache.getMany(['a', 'b'], async (keys) => keys), ['a', 'b'], 'nothing was cached by the failed call');
  const down: CacheStore = {
    kind: 'down', maxItemSize: 1000,
    get: async () => { throw new StoreDownError('down'); },
    getMulti: async () => { throw new StoreDownError('down'); },
    set: async () => { throw new StoreDownError('down'); },
    add: async () => { throw new StoreDownError('down'); },
    delete: async () => { throw new StoreDownError('down'); },
    incr: async () => { throw new StoreDownError('down'); },
    close: async () => {},
  };
  const degraded = createCache({ store: down, l1: false });
  let calls = 0;
  assert.deepEqual(await degraded.getMany(['a', 'b', 'c'], async (keys) => (calls++, keys.map((k) => k.toUpperCase()))), ['A', 'B', 'C']);
  assert.equal(calls, 1, 'one loader call for the batch, store down');
  await assert.rejects(degraded.getMany(['ok', ''], async (keys) => keys), /empty/);
});
