// Fuzz target: outbox rows the relay reads back from a real PostgreSQL, applied to a cache on a
// real Redis. Each case inserts a few rows straight into tiered_cache_outbox with SQL (bypassing
// withInvalidation): text[] arrays with NULL and empty elements, nested (multi-dimensional)
// arrays, odd Unicode, hundreds of names, attempts at the integer limit or negative, created_at
// in the future, and surrogate keys that make the purger fail; plus one good row. Then one
// drain must resolve and: every key and tag named in a row is invalidated (cached values gone,
// a tagged value stale), rows whose purge failed stay with attempts + 1 and last_error (retried,
// never dropped), every other row is deleted, and a good row is never held back by a bad one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pg from 'pg';
import { fuzz } from '../../sdk/testing/fuzz.js';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { createCache, type Cache } from '../cache.js';
import { createOutboxRelay, names, type OutboxRelay } from './relay.js';
import { ensureOutboxTable } from './schema.js';

const NS = 'rfz';
const name = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 20 }).map((s) => s.replace(/\0/g, '')) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a b', 'NULL', '{}', '"', '\\', ',', 'é', '\u{1F600}', 'x'.repeat(300)) },
);
const element = fc.oneof({ weight: 8, arbitrary: name }, { weight: 1, arbitrary: fc.constant(null) });
/** A text[] value: flat, NULL elements, two-dimensional (rows of one length), or long. */
const textArray = fc.oneof(
  { weight: 5, arbitrary: fc.array(element, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([rows, cols]) =>
    fc.array(fc.array(element, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows })) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 1500 }).map((n) => Array.from({ length: n }, (_, i) => `bulk${i}`)) },
);
const row = fc.record({
  keys: textArray,
  tags: textArray,
  surrogate: fc.array(fc.oneof(element, fc.constant('!fail')), { maxLength: 3 }),
  attempts: fc.oneof(fc.constant(0), fc.integer({ min: -2147483648, max: 2147483647 }), fc.constantFrom(2147483647, 2147483646, -1)),
  future: fc.boolean(),
});

/** A PostgreSQL array literal for a (possibly nested) array of text or NULL. */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `{${value.map(literal).join(',')}}`;
  if (value === null) return 'NULL';
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

describe('outbox relay on real PostgreSQL and Redis', () => {
  let stack: TestStack;
  let db: pg.Pool;
  let cache: Cache;
  let relay: OutboxRelay;
  const purged: string[][] = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  before(async () => {
    process.on('unhandledRejection', onRejection);
    stack = await startTestStack({ redis: true, postgres: true });
    db = new pg.Pool({ connectionString: stack.postgres.primary.url, max: 2 });
    await ensureOutboxTable(db);
    cache = createCache({ store: { redis: stack.redis.url, timeout: '2s' }, namespace: NS, l1: false, jitter: 0 });
    relay = createOutboxRelay({
      db: stack.postgres.primary.url, cache, pollInterval: '1h', batchSize: 4,
      purger: async (keys) => {
        if (keys.some((k) => k.startsWith('!fail'))) throw new Error('purge refused');
        purged.push(keys);
      },
    });
    await relay.start();
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await relay?.stop();
    await cache?.close();
    await db?.end();
    await stack?.stop();
  });

  test('malformed outbox rows: applied as far as they name anything, retried when they fail, never block the others', async () => {
    let n = 0;
    const cases = await fuzz('outbox relay rows', fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 3 }), async (rows) => {
      const id = ++n;
      const good = `good${id}`;
      await db.query(`DELETE FROM tiered_cache_outbox WHERE namespace = $1`, [NS]);
      // what each row names is cached first, so we can see that it was invalidated
      const flat = rows.map((r) => ({ ...r, keyNames: names(r.keys).slice(0, 50), tagNames: names(r.tags).slice(0, 50) }));
      await cache.getOrLoad(good, async () => 'cached');
      const tagged = `tagged${id}`;
      const allTags = [...new Set(flat.flatMap((r) => r.tagNames))].slice(0, 20);
      for (const r of flat) for (const k of r.keyNames) await cache.getOrLoad(k, async () => 'cached');
      if (allTags.length) await cache.getOrLoad(tagged, async () => 'cached', { tags: allTags });
      const ids: { id: string; fails: boolean }[] = [];
      for (const r of rows) {
        const { rows: [inserted] } = await db.query(
          `INSERT INTO tiered_cache_outbox (namespace, keys, tags, surrogate_keys, attempts, created_at)
           VALUES ($1, $2::text[], $3::text[], $4::text[], $5, now() + ($6 || ' hours')::interval) RETURNING id`,
          [NS, literal(r.keys), literal(r.tags), literal(r.surrogate), r.attempts, r.future ? '48' : '0'],
        );
        ids.push({ id: inserted.id, fails: r.surrogate.some((s) => s === '!fail') });
      }
      await db.query(`INSERT INTO tiered_cache_outbox (namespace, keys) VALUES ($1, $2)`, [NS, [good]]);
      await relay.drain();
      assert.equal(await cache.peek(good), undefined, 'the good row was applied');
      for (const r of flat) for (const k of r.keyNames) assert.equal(await cache.peek(k), undefined, `key ${JSON.stringify(k)} invalidated`);
      if (allTags.length) assert.equal(await cache.peek(tagged), 'cached'); // peek ignores tags; the read does not:
      if (allTags.length) assert.equal(await cache.getOrLoad(tagged, async () => 'reloaded', { tags: allTags }), 'reloaded');
      const { rows: left } = await db.query(`SELECT id, attempts, last_error FROM tiered_cache_outbox WHERE namespace = $1 ORDER BY id`, [NS]);
      const failing = ids.filter((i) => i.fails).map((i) => i.id);
      assert.deepEqual(left.map((l) => l.id), failing, 'only rows whose purge failed are left');
      for (const l of left) assert.match(String(l.last_error), /purge refused/);
      assert.deepEqual(rejections, []);
    }), { short: 4 });
    assert.ok(cases > 0);
  });
});
