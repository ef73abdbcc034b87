// The platform framework against real servers: PostgreSQL primary + streaming replica, memcached,
// Redis. Reads through the cache, commands with durable invalidation and jobs, read-your-writes
// with the replica's replay paused, 400s naming the field, /healthz, graceful close, spans.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { z } from 'zod';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { createCache, type Cache } from '../cache/index.js';
import { defineJob, Producer } from '../queue/index.js';
import { createDbClient, type DbClient } from '../sdk/db/index.js';
import { createPlatform, defineCommand, defineResource, HttpError, SESSION_HEADER, type Platform } from './index.js';

let stack: TestStack;
let db: DbClient;
let cache: Cache;
let producer: Producer;
let platform: Platform;
let base: string;
let replicaAdmin: pg.Client;
let primary: pg.Client;
const exporter = new InMemorySpanExporter();
let loads = 0;

const noted = defineJob({ name: 'note-written', schema: z.object({ id: z.number() }), handler: () => undefined });

const note = defineResource({
  name: 'note', path: '/notes/:id',
  input: z.object({ id: z.coerce.number().int().positive() }),
  key: ({ id }) => `note:${id}`,
  tags: ({ id }) => [`note-tag:${id}`],
  load: async ({ id }, ctx) => {
    loads++;
    const rows = await ctx.read<{ id: number; body: string }>('SELECT id::int, body FROM notes WHERE id = $1', [id]);
    return rows[0];
  },
  headers: ({ id }) => ({ 'cache-control': 'public, max-age=5', 'surrogate-key': `note:${id}` }),
});
let batchCalls = 0;
const noteBatched = defineResource({
  name: 'note-batched', path: '/batched/:id',
  input: z.object({ id: z.coerce.number().int().positive() }),
  key: ({ id }) => `note-b:${id}`,
  load: async () => { throw new Error('loadMany should have been used'); },
  loadMany: async (inputs, ctx) => {
    batchCalls++;
    const rows = await ctx.read<{ id: number; body: string }>('SELECT id::int, body FROM notes WHERE id = ANY($1::bigint[])', [inputs.map((i) => i.id)]);
    return inputs.map((i) => rows.find((r) => r.id === i.id));
  },
});
const editBatched = defineCommand({
  name: 'edit-batched', method: 'PUT', path: '/batched/:id',
  input: z.object({ id: z.coerce.number().int().positive(), body: z.string().min(1) }),
  run: async ({ id, body }, ctx) => {
    await ctx.tx.query('UPDATE notes SET body = $2 WHERE id = $1', [id, body]);
    ctx.invalidate({ keys: [`note-b:${id}`] });
    return { id };
  },
});
const slow = defineResource({
  name: 'slow', path: '/slow', input: z.object({ ms: z.coerce.number().int().min(0).max(5000) }),
  load: async ({ ms }) => { await new Promise((r) => setTimeout(r, ms)); return { slept: ms }; },
});
const create = defineCommand({
  name: 'create-note', path: '/notes', status: 201,
  input: z.object({ body: z.string().min(1).max(1000) }),
  run: async ({ body }, ctx) => {
    const { rows } = await ctx.tx.query<{ id: number }>('INSERT INTO notes (body) VALUES ($1) RETURNING id::int', [body]);
    ctx.enqueue(noted, { id: rows[0].id });
    return { id: rows[0].id };
  },
});
const edit = defineCommand({
  name: 'edit-note', method: 'PUT', path: '/notes/:id',
  input: z.object({ id: z.coerce.number().int().positive(), body: z.string().min(1).max(1000), fail: z.boolean().optional() }),
  run: async ({ id, body, fail }, ctx) => {
    const { rowCount } = await ctx.tx.query('UPDATE notes SET body = $2 WHERE id = $1', [id, body]);
    if (!rowCount) throw new HttpError(404, `note ${id}: not found`);
    ctx.invalidate({ keys: [`note:${id}`], surrogateKeys: [`note:${id}`] });
    ctx.enqueue(noted, { id });
    if (fail) throw new Error('rolled back on purpose');
    return { id, body };
  },
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method, headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, json, headers: res.headers };
}

async function waitReplica(sql: string, params: unknown[] = []) {
  for (let i = 0; i < 500; i++) {
    if ((await replicaAdmin.query(sql, params).catch(() => ({ rowCount: 0 }))).rowCount) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`replica never satisfied ${sql}`);
}

before(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  stack = await startTestStack({ redis: true, memcached: 1, postgres: true, replica: true });
  primary = new pg.Client({ connectionString: stack.postgres.primary.url });
  await primary.connect();
  await primary.query('CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL)');
  replicaAdmin = new pg.Client({ connectionString: stack.postgres.replica!.url });
  replicaAdmin.on('error', () => {});
  await replicaAdmin.connect();
  await waitReplica("SELECT 1 FROM pg_tables WHERE tablename = 'notes'");
  db = createDbClient({ read: stack.postgres.replica!.url, write: stack.postgres.primary.url, sessionSecret: 'test-secret-0123456789' });
  cache = createCache({ store: { memcached: [stack.memcached[0].address] }, bus: { redis: stack.redis.url }, namespace: 'pt' });
  await cache.ready();
  producer = new Producer({ redis: stack.redis.url, prefix: 'pt' });
  platform = createPlatform({ db, cache, queue: producer, resources: [note, noteBatched, slow], commands: [create, edit, editBatched], replicaUrl: stack.postgres.replica!.url, grace: '5s' });
  await platform.prepare();
  const { port } = await platform.listen(0);
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await platform?.close();
  await producer?.close();
  await cache?.close();
  await db?.close();
  await primary?.end().catch(() => {});
  await replicaAdmin?.end().catch(() => {});
  await stack?.stop();
});

describe('platform: resources and commands on real PostgreSQL, memcached and Redis', () => {
  test('bad input is a 400 naming the field; unknown route 404, wrong method 405; bad session token 400', async () => {
    let r = await call('GET', '/notes/abc');
    assert.equal(r.status, 400);
    assert.match(r.json.problems.join('\n'), /^id: /m);
    r = await call('POST', '/notes', { body: 42 });
    assert.equal(r.status, 400);
    assert.match(r.json.problems[0], /^body: .*string/);
    r = await call('POST', '/notes', '{not json');
    assert.equal(r.status, 400);
    assert.match(r.json.problems[0], /^body: expected a JSON object/);
    r = await call('POST', '/notes', '[1,2]');
    assert.match(r.json.problems[0], /an array/);
    r = await call('GET', '/notes/%zz');
    assert.equal(r.status, 400);
    assert.equal((await call('GET', '/nope')).status, 404);
    assert.equal((await call('DELETE', '/notes/1')).status, 405);
    r = await call('GET', '/notes/1', undefined, { [SESSION_HEADER]: 'r1.zz.forged' });
    assert.equal(r.status, 400);
    assert.match(r.json.problems[0], new RegExp(`^${SESSION_HEADER}: `));
    r = await call('POST', '/notes', { body: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(r.status, 413);
  });

  test('a command commits, enqueues its job after commit, returns a session token; reads are cached', async () => {
    const created = await call('POST', '/notes', { body: 'first' });
    assert.equal(created.status, 201);
    const token = created.headers.get(SESSION_HEADER)!;
    assert.match(token, /^r1\./);
    const jobRef = created.headers.get('x-tiered-jobs')!;
    assert.match(jobRef, /^note-written:/);
    assert.equal((await producer.status(jobRef))?.status, 'queued');
    const id = created.json.id as number;
    // The writer reads its write at once (token), even if the replica has not replayed it.
    const before = loads;
    const read = await call('GET', `/notes/${id}`, undefined, { [SESSION_HEADER]: token });
    assert.equal(read.status, 200);
    assert.deepEqual(read.json, { id, body: 'first' });
    assert.equal(read.headers.get('surrogate-key'), `note:${id}`);
    assert.equal(read.headers.get('cache-control'), 'public, max-age=5');
    await waitReplica('SELECT 1 FROM notes WHERE id = $1', [id]);
    // Cached: repeated reads (with or without the token, once the entry is past the write) do not load.
    await call('GET', `/notes/${id}`);
    const loadsAfterFill = loads;
    for (let i = 0; i < 20; i++) assert.equal((await call('GET', `/notes/${id}`, undefined, i % 2 ? { [SESSION_HEADER]: token } : {})).status, 200);
    assert.equal(loads, loadsAfterFill, 'served from the cache');
    assert.ok(loads - before <= 3);
    assert.equal((await call('GET', '/notes/999999')).status, 404);
  });

  test('replica replay paused: the writer and other readers see the edit at once; the outbox holds the durable invalidation', async () => {
    const { json: { id } } = await call('POST', '/notes', { body: 'v1' });
    await waitReplica('SELECT 1 FROM notes WHERE id = $1', [id]);
    assert.equal((await call('GET', `/notes/${id}`)).json.body, 'v1'); // cached
    const outboxBefore = Number((await primary.query('SELECT count(*) FROM tiered_cache_outbox')).rows[0].count);
    await replicaAdmin.query('SELECT pg_wal_replay_pause()');
    try {
      const edited = await call('PUT', `/notes/${id}`, { body: 'v2' });
      assert.equal(edited.status, 200);
      const token = edited.headers.get(SESSION_HEADER)!;
      for (let i = 0; i < 5; i++) {
        assert.equal((await call('GET', `/notes/${id}`, undefined, { [SESSION_HEADER]: token })).json.body, 'v2', 'read-your-writes');
        // Without a token: the marker sends the refill past the lagging replica, never caching v1 again.
        assert.equal((await call('GET', `/notes/${id}`)).json.body, 'v2', 'no stale refill');
      }
      const outbox = await primary.query<{ keys: string[]; surrogate_keys: string[] }>('SELECT keys, surrogate_keys FROM tiered_cache_outbox ORDER BY id DESC LIMIT 1');
      assert.equal(Number((await primary.query('SELECT count(*) FROM tiered_cache_outbox')).rows[0].count), outboxBefore + 1);
      assert.deepEqual(outbox.rows[0], { keys: [`note:${id}`], surrogate_keys: [`note:${id}`] });
      // A rolled-back command changes nothing and enqueues nothing.
      const failed = await call('PUT', `/notes/${id}`, { body: 'v3', fail: true });
      assert.equal(failed.status, 500);
      assert.equal(failed.headers.get('x-tiered-jobs'), null);
      assert.equal((await call('GET', `/notes/${id}`, undefined, { [SESSION_HEADER]: token })).json.body, 'v2');
      assert.equal((await call('PUT', '/notes/999999', { body: 'x' })).status, 404);
    } finally {
      await replicaAdmin.query('SELECT pg_wal_replay_resume()');
    }
  });

  test('loadMany: misses arriving together are filled by one batch; not found is a 404; then cached', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await call('POST', '/notes', { body: `batch ${i}` })).json.id);
    await waitReplica('SELECT 1 FROM notes WHERE id = $1', [ids[29]]);
    batchCalls = 0;
    // In one process turn (a page hydrating its items): one batch, plus one confirming the not-found at the primary.
    const values = await Promise.all([...ids.slice(0, 20), 999_999].map((id) => platform.read(noteBatched, { id })));
    assert.deepEqual(values.slice(0, 20).map((v) => v?.body), ids.slice(0, 20).map((_, i) => `batch ${i}`));
    assert.equal(values[20], undefined);
    assert.ok(batchCalls <= 3, `${batchCalls} batch loads for 21 misses`);
    // Over HTTP, requests arriving within the window share batches too; not found is a 404.
    const answers = await Promise.all([...ids.slice(20), 999_998].map((id) => call('GET', `/batched/${id}`)));
    assert.deepEqual(answers.slice(0, 10).map((a) => a.json.body), ids.slice(20).map((_, i) => `batch ${i + 20}`));
    assert.equal(answers[10].status, 404);
    const before = batchCalls;
    await Promise.all(ids.map((id) => call('GET', `/batched/${id}`)));
    assert.equal(batchCalls, before, 'cached');
  });

  test('readMany (ctx.getMany): a cold page is one batch load with one read-your-writes check; warm, no load; the writer sees its edit', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await call('POST', '/notes', { body: `page ${i}` })).json.id);
    await waitReplica('SELECT 1 FROM notes WHERE id = $1', [ids[39]]);
    batchCalls = 0;
    const before = db.stats();
    const page = await platform.readMany(noteBatched, [...ids, 999_997].map((id) => ({ id })));
    assert.deepEqual(page.slice(0, 40).map((v) => v?.body), ids.map((_, i) => `page ${i}`));
    assert.equal(page[40], undefined);
    assert.equal(batchCalls, 2, 'one batch, and one confirming the not-found at the primary');
    const after = db.stats();
    assert.ok(after.replicaReads + after.primaryReads - before.replicaReads - before.primaryReads <= 2, `statements for the page: ${JSON.stringify([before, after])}`);
    assert.deepEqual((await platform.readMany(noteBatched, ids.map((id) => ({ id })))).map((v) => v?.body), page.slice(0, 40).map((v) => v?.body));
    assert.equal(batchCalls, 2, 'warm page: no load');
    await replicaAdmin.query('SELECT pg_wal_replay_pause()');
    try {
      const edited = await platform.execute(editBatched, { id: ids[3], body: 'edited in place' });
      const mine = await platform.readMany(noteBatched, ids.slice(0, 5).map((id) => ({ id })), edited.token);
      assert.equal(mine[3]?.body, 'edited in place', 'read-your-writes through readMany while replay is paused');
      const others = await platform.readMany(noteBatched, ids.slice(0, 5).map((id) => ({ id })));
      assert.equal(others[3]?.body, 'edited in place', 'the key was invalidated and its marker makes the refill read the primary');
    } finally {
      await replicaAdmin.query('SELECT pg_wal_replay_resume()');
    }
  });

  test('spans per resource and command', async () => {
    exporter.reset();
    await call('GET', '/notes/1');
    await call('POST', '/notes', { body: 'traced' });
    const names = exporter.getFinishedSpans().map((s) => s.name);
    assert.ok(names.includes('resource note'), names.join(','));
    assert.ok(names.includes('command create-note'), names.join(','));
    const span = exporter.getFinishedSpans().find((s) => s.name === 'resource note')!;
    assert.equal(span.attributes['http.route'], '/notes/:id');
  });

  test('/healthz reports each part; close() lets a request in flight finish', async () => {
    const ok = await call('GET', '/healthz');
    assert.equal(ok.status, 200);
    assert.equal(ok.json.status, 'ok');
    assert.deepEqual(Object.keys(ok.json.parts).sort(), ['cache', 'primary', 'redis', 'replica']);
    await stack.kill('replica');
    const degraded = await call('GET', '/healthz');
    assert.equal(degraded.status, 200);
    assert.equal(degraded.json.status, 'degraded');
    assert.deepEqual(degraded.json.degraded, ['replica']);
    // Reads go on through the primary.
    assert.equal((await call('GET', '/notes/1')).status, 200);
    const inflight = call('GET', '/slow?ms=400');
    await new Promise((r) => setTimeout(r, 100));
    const closing = platform.close();
    assert.deepEqual((await inflight).json, { slept: 400 });
    await closing;
    await assert.rejects(fetch(`${base}/healthz`));
  });
});
