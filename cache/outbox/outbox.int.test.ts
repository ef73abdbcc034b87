// Durable invalidation against real PostgreSQL + memcached + Redis.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { createCache, type Cache } from '../index.js';
import { createOutboxRelay, type OutboxRelay } from './relay.js';
import { ensureOutboxTable } from './schema.js';
import { withInvalidation } from './write.js';
import { sleep } from '../timeouts.js';

// One top-level suite: with --test-name-pattern matching nothing here, Node's runner would
// otherwise run the root after() before before() and leave the servers up.
describe('durable invalidation (outbox) on real PostgreSQL', () => {

  let stack: TestStack;
  let db: pg.Pool;
  const caches: Cache[] = [];
  const relays: OutboxRelay[] = [];
  let seq = 0;

  before(async () => {
    stack = await startTestStack({ redis: true, memcached: 2, postgres: true });
    db = new pg.Pool({ connectionString: stack.postgres.primary.url, max: 4 });
    await ensureOutboxTable(db);
    await db.query('CREATE TABLE IF NOT EXISTS cache_outbox_test_rows (id text PRIMARY KEY, value text NOT NULL)');
  });

  after(async () => {
    for (const relay of relays) await relay.stop();
    for (const cache of caches) await cache.close();
    await db?.end();
    await stack?.stop();
  });

  function setup(extra: Partial<Parameters<typeof createOutboxRelay>[0]> = {}) {
    const namespace = `outbox${++seq}`;
    const cache = createCache({ store: { memcached: stack.memcached.map((m) => m.address), timeout: '2s' }, namespace, l1: false });
    caches.push(cache);
    const relay = createOutboxRelay({ db: stack.postgres.primary.url, cache, pollInterval: '10s', ...extra });
    relays.push(relay);
    const read = (id: string) => cache.getOrLoad(id, async () => (await db.query('SELECT value FROM cache_outbox_test_rows WHERE id = $1', [id])).rows[0]?.value as string | undefined);
    return { namespace, cache, relay, read };
  }

  async function until(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await check()) return true;
      await sleep(50);
    }
    return false;
  }

  async function write(id: string, value: string, namespace: string, opts: { surrogateKeys?: string[]; tags?: string[]; rollback?: boolean } = {}) {
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO cache_outbox_test_rows (id, value) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET value = $2', [id, value]);
      await withInvalidation(client, [id], opts.tags ?? [], { namespace, surrogateKeys: opts.surrogateKeys });
      await client.query(opts.rollback ? 'ROLLBACK' : 'COMMIT');
    } finally {
      client.release();
    }
  }

  test('a committed write is invalidated by the relay, woken by NOTIFY (not by polling)', async () => {
    const { namespace, relay, read } = setup();
    await relay.start();
    await write('a', 'v1', namespace);
    assert.ok(await until(async () => (await relay.pending()) === 0));
    assert.equal(await read('a'), 'v1');
    const started = Date.now();
    await write('a', 'v2', namespace);
    assert.ok(await until(async () => (await read('a')) === 'v2', 5000), 'invalidated well before the 10s poll');
    assert.ok(Date.now() - started < 5000);
    assert.equal(await relay.pending(), 0, 'applied rows are deleted');
  });

  test('a rolled-back write leaves no outbox row and the cache untouched', async () => {
    const { namespace, relay, read } = setup();
    await relay.start();
    await write('b', 'v1', namespace);
    assert.ok(await until(async () => (await relay.pending()) === 0));
    assert.equal(await read('b'), 'v1');
    await write('b', 'v2', namespace, { rollback: true });
    await sleep(300);
    assert.equal(await relay.pending(), 0);
    assert.equal(await read('b'), 'v1');
  });

  test('process killed right after COMMIT: restarting the relay invalidates the key', async () => {
    const { namespace, relay, read } = setup();
    await db.query(`INSERT INTO cache_outbox_test_rows (id, value) VALUES ('c', 'old') ON CONFLICT (id) DO UPDATE SET value = 'old'`);
    assert.equal(await read('c'), 'old'); // cached
    const writer = fileURLToPath(new URL('../fixtures/outbox-writer.ts', import.meta.url));
    const proc = spawn(process.execPath, ['--import', 'tsx', writer, JSON.stringify({ db: stack.postgres.primary.url, key: 'c', value: 'new', namespace })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    const signal = await new Promise((resolve) => proc.on('exit', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGKILL');
    assert.match(out, /committed/);
    assert.equal(await read('c'), 'old', 'nothing invalidated yet: the writer died');
    assert.equal(await relay.pending(), 1, 'the outbox row survived the crash');
    await relay.start(); // the relay comes up later and catches up at start
    assert.ok(await until(async () => (await read('c')) === 'new'), 'invalidated after the relay started');
    assert.equal(await relay.pending(), 0);
  });

  test('polling backstop applies rows whose NOTIFY was never seen', async () => {
    const { namespace, relay, cache } = setup({ pollInterval: 200 });
    await relay.start();
    await cache.getOrLoad('d', async () => 'cached');
    await db.query(`INSERT INTO tiered_cache_outbox (namespace, keys) VALUES ($1, '{d}')`, [namespace]); // no NOTIFY
    assert.ok(await until(async () => (await relay.pending()) === 0, 5000));
    assert.equal(await cache.peek('d'), undefined);
  });

  test('a failing purge is retried until it succeeds; tags and surrogate keys are applied', async () => {
    const purged: string[][] = [];
    let failures = 2;
    const { namespace, relay, cache } = setup({
      pollInterval: 100,
      purger: async (keys) => {
        if (failures-- > 0) throw new Error('edge unreachable');
        purged.push(keys);
      },
    });
    await relay.start();
    let n = 0;
    await cache.getOrLoad('e', async () => ++n, { tags: ['group:1'] });
    await write('e2', 'x', namespace, { tags: ['group:1'], surrogateKeys: ['product-42'] });
    assert.ok(await until(async () => purged.length === 1, 8000), 'purged after retries');
    assert.deepEqual(purged[0], ['product-42']);
    assert.equal(await cache.getOrLoad('e', async () => ++n, { tags: ['group:1'] }), 2, 'tag bump applied');
    assert.equal(await relay.pending(), 0);
  });

});
