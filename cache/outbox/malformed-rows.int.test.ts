// Regression tests for malformed outbox rows (found by cache/outbox/relay.fuzz.test.ts): exact
// rows inserted with SQL into a real PostgreSQL, applied to a cache on a real Redis.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { createCache, type Cache } from '../cache.js';
import { createOutboxRelay, type OutboxRelay } from './relay.js';
import { ensureOutboxTable } from './schema.js';

describe('malformed outbox rows on real PostgreSQL', () => {
  let stack: TestStack;
  let db: pg.Pool;
  const caches: Cache[] = [];
  const relays: OutboxRelay[] = [];
  let seq = 0;

  before(async () => {
    stack = await startTestStack({ redis: true, postgres: true });
    db = new pg.Pool({ connectionString: stack.postgres.primary.url, max: 2 });
    await ensureOutboxTable(db);
  });
  after(async () => {
    for (const relay of relays) await relay.stop();
    for (const cache of caches) await cache.close();
    await db?.end();
    await stack?.stop();
  });

  function setup(purger?: (keys: string[]) => Promise<void>) {
    const namespace = `mrow${++seq}`;
    const cache = createCache({ store: { redis: stack.redis.url, timeout: '2s' }, namespace, l1: false });
    caches.push(cache);
    const relay = createOutboxRelay({ db: stack.postgres.primary.url, cache, pollInterval: '1h', purger });
    relays.push(relay);
    return { namespace, cache, relay };
  }
  const left = async (namespace: string) =>
    (await db.query('SELECT keys, attempts, last_error FROM tiered_cache_outbox WHERE namespace = $1 ORDER BY id', [namespace])).rows;

  test('regression: a row with an empty key still invalidates its other keys and is deleted (was: InvalidKeyError, retried forever, user:1 never invalidated)', async () => {
    const { namespace, cache, relay } = setup();
    await cache.getOrLoad('user:1', async () => 'old');
    await db.query(`INSERT INTO tiered_cache_outbox (namespace, keys) VALUES ($1, '{user:1,""}')`, [namespace]);
    assert.equal(await relay.drain(), 1);
    assert.equal(await cache.peek('user:1'), undefined);
    assert.deepEqual(await left(namespace), []);
  });

  test('regression: a row with a NULL key or tag element is applied (was: TypeError, retried forever)', async () => {
    const { namespace, cache, relay } = setup();
    await cache.getOrLoad('user:2', async () => 'old');
    await cache.getOrLoad('team', async () => 'old', { tags: ['team:1'] });
    await db.query(`INSERT INTO tiered_cache_outbox (namespace, keys, tags, surrogate_keys) VALUES ($1, '{NULL,user:2}', '{team:1,NULL}', '{NULL}')`, [namespace]);
    assert.equal(await relay.drain(), 1);
    assert.equal(await cache.peek('user:2'), undefined);
    assert.equal(await cache.getOrLoad('team', async () => 'new', { tags: ['team:1'] }), 'new');
    assert.deepEqual(await left(namespace), []);
  });

  test('regression: a two-dimensional keys array invalidates every element (was: one key named "a,b")', async () => {
    const { namespace, cache, relay } = setup();
    for (const k of ['a', 'b', 'c', 'd']) await cache.getOrLoad(k, async () => 'old');
    await db.query(`INSERT INTO tiered_cache_outbox (namespace, keys) VALUES ($1, '{{a,b},{c,d}}')`, [namespace]);
    assert.equal(await relay.drain(), 1);
    for (const k of ['a', 'b', 'c', 'd']) assert.equal(await cache.peek(k), undefined, k);
  });

  test('regression: a failing row at attempts = 2^31-1 keeps its retry and does not roll back the good rows (was: integer out of range, whole batch rolled back forever)', async () => {
    const { namespace, cache, relay } = setup(async (keys) => {
      if (keys.includes('bad')) throw new Error('purge refused');
    });
    await cache.getOrLoad('good', async () => 'old');
    await db.query(`INSERT INTO tiered_cache_outbox (namespace, surrogate_keys, attempts) VALUES ($1, '{bad}', 2147483647)`, [namespace]);
    await db.query(`INSERT INTO tiered_cache_outbox (namespace, keys) VALUES ($1, '{good}')`, [namespace]);
    await relay.drain();
    assert.equal(await cache.peek('good'), undefined);
    const rows = await left(namespace);
    assert.equal(rows.length, 1, 'only the failing row is left');
    assert.equal(rows[0].attempts, 2147483647);
    assert.match(rows[0].last_error, /purge refused/);
  });

  test('a row created in the future is applied, its lag recorded as 0', async () => {
    const { namespace, cache, relay } = setup();
    await cache.getOrLoad('future', async () => 'old');
    await db.query(`INSERT INTO tiered_cache_outbox (namespace, keys, created_at) VALUES ($1, '{future}', now() + interval '2 days')`, [namespace]);
    assert.equal(await relay.drain(), 1);
    assert.equal(await cache.peek('future'), undefined);
  });
});
