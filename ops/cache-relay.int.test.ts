// `tiered cache relay` / `tiered up` wiring: the relay built from a `cache:` section applies an
// invalidation committed with the data (real PostgreSQL, real memcached).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createCache } from '../cache/cache.js';
import { cacheConfigSchema, cacheOptionsFromConfig } from '../cache/config.js';
import { withInvalidation } from '../cache/outbox/write.js';
import { ensureOutboxTable } from '../cache/outbox/schema.js';
import { startCacheRelay } from './cache-relay.js';
import { startTestStack, type TestStack } from './stack/testing.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ memcached: 1, postgres: true });
});
after(async () => {
  await stack.stop();
});

test('a committed withInvalidation row is applied by the relay started from config', async () => {
  const config = cacheConfigSchema.parse({
    namespace: 'relaytest',
    store: { memcached: [stack.memcached[0].address] },
    l1: false,
    outbox: { db: stack.postgres.primary.url, pollInterval: '200ms' },
  });
  const cache = createCache(cacheOptionsFromConfig(config));
  const db = new pg.Client({ connectionString: stack.postgres.primary.url });
  await db.connect();
  let loads = 0;
  const load = async () => ({ name: `v${++loads}` });
  const relay = await startCacheRelay(config);
  try {
    await ensureOutboxTable(db);
    assert.deepEqual(await cache.getOrLoad('user:1', load), { name: 'v1' });
    assert.deepEqual(await cache.getOrLoad('user:1', load), { name: 'v1' }, 'cached');

    await db.query('BEGIN');
    await withInvalidation(db, ['user:1'], [], { namespace: 'relaytest' });
    await db.query('COMMIT');

    let value: unknown;
    for (let i = 0; i < 100; i++) {
      value = await cache.getOrLoad('user:1', load);
      if ((value as { name: string }).name !== 'v1') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(value, { name: 'v2' }, 'the relay deleted the key, so the loader ran again');
    assert.equal(await relay.pending(), 0);
  } finally {
    await relay.stop();
    await cache.close();
    await db.end();
  }
});

test('a cache section without outbox is a usage error naming the field', async () => {
  await assert.rejects(startCacheRelay(cacheConfigSchema.parse({})), /cache\.outbox/);
});
