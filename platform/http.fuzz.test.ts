// Fuzz target: the platform's HTTP API (a real instance on real PostgreSQL, primary + replica,
// and memcached). Generated hostile requests (raw bytes on a socket: paths with odd segments and
// percent-encoding, query strings, session tokens, JSON and non-JSON bodies, prototype keys,
// huge numbers) must each get an answer below 500 (or a 400 from Node's parser), and afterwards
// the instance must still serve a good read and command. Short form in npm test; long: npm run fuzz.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';
import { z } from 'zod';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { createCache, type Cache } from '../cache/index.js';
import { createDbClient, type DbClient } from '../sdk/db/index.js';
import { fuzz } from '../sdk/testing/fuzz.js';
import { createPlatform, defineCommand, defineResource, type Platform } from './index.js';

let stack: TestStack;
let db: DbClient;
let cache: Cache;
let platform: Platform;
let port: number;

const item = defineResource({
  name: 'item', path: '/items/:id', input: z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1), view: z.enum(['full', 'short']).optional() }),
  key: ({ id }) => `item:${id}`,
  load: async ({ id }, ctx) => (await ctx.read('SELECT id::int, name FROM items WHERE id = $1', [id]))[0],
});
const search = defineResource({
  name: 'search', path: '/search', input: z.object({ q: z.string().max(100), limit: z.coerce.number().int().min(1).max(50).default(10) }),
  key: ({ q, limit }) => `search:${limit}:${q}`,
  load: async ({ q, limit }, ctx) => ctx.read('SELECT id::int, name FROM items WHERE name LIKE $1 LIMIT $2', [`%${q}%`, limit]),
});
const put = defineCommand({
  name: 'put-item', method: 'PUT', path: '/items/:id',
  input: z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1), name: z.string().min(1).max(200), tags: z.array(z.string().max(50)).max(10).optional() }),
  run: async ({ id, name }, ctx) => {
    await ctx.tx.query('INSERT INTO items (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name', [id, name]);
    ctx.invalidate({ keys: [`item:${id}`], surrogateKeys: [`item:${id}`] });
    return { id, name };
  },
});

before(async () => {
  stack = await startTestStack({ memcached: 1, postgres: true, replica: true });
  db = createDbClient({ read: stack.postgres.replica!.url, write: stack.postgres.primary.url });
  await db.write('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
  cache = createCache({ store: { memcached: [stack.memcached[0].address] }, namespace: 'fz' });
  platform = createPlatform({ db, cache, resources: [item, search], commands: [put] });
  await platform.prepare();
  ({ port } = await platform.listen(0));
});

after(async () => {
  await platform?.close();
  await cache?.close();
  await db?.close();
  await stack?.stop();
});

/** Sends raw bytes, returns the status code of the answer (0 when the connection closed without one). */
function raw(bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (c) => { data += c.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(m ? Number(m[1]) : 0);
    });
    socket.write(bytes); // no half-close: Node's server drops a request whose client half-closed
  });
}

const segment = fc.oneof(
  fc.constantFrom('items', 'search', 'healthz', '1', '42', '0', '-1', '1e3', '99999999999999999999', '%', '%zz', '%00', '%2F', '..', '.', '__proto__', 'constructor'),
  fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{0,20}$/),
);
const path = fc.oneof(
  fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`),
  fc.constantFrom('/items/1', '/search', '//items/1', '/items/1/', '*', 'http://x/items/1', '/items/%ff'),
);
const query = fc.oneof(
  fc.constant(''),
  fc.array(fc.tuple(fc.constantFrom('q', 'limit', 'view', 'id', '__proto__', 'x'), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('5', '0', '51', '1e2', 'full', 'NaN', '%ff', '%'))), { maxLength: 4 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);
const jsonBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({ name: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)), tags: fc.oneof(fc.array(fc.string({ maxLength: 60 }), { maxLength: 12 }), fc.string()), id: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.constantFrom('{"__proto__":{"name":"x"}}', '{"constructor":{"prototype":{}}}', '{"name":"a","name":"b"}', '{', '[]', 'null', '"str"', '1e999', '{"name":"\\ud800"}'),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);
const token = fc.oneof(fc.constant(undefined), fc.constantFrom('r1.0', 'r1.zzzzzzzzzzzzzz', 'r1.', 'r1.a.b.c', 'junk', 'r1.1.sig', ''), fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s)));
const request = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'BREW'),
  path, query, token, body: fc.option(jsonBody, { nil: undefined }),
  contentType: fc.constantFrom('application/json', 'text/plain', undefined),
});

test('fuzz: hostile HTTP requests to a platform instance never make a 5xx nor stop it', { timeout: 120_000 }, async () => {
  await fuzz('platform http', fc.asyncProperty(request, async (r) => {
    const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, 'latin1');
    const head = [
      `${r.method} ${r.path}${r.query} HTTP/1.1`, 'Host: fuzz', 'Connection: close',
      ...(r.token !== undefined ? [`x-tiered-session: ${r.token}`] : []),
      ...(r.contentType ? [`Content-Type: ${r.contentType}`] : []),
      `Content-Length: ${body.length}`, '', '',
    ].join('\r\n');
    const status = await raw(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    assert.ok(status > 0 && status < 500, `answered ${status}`);
  }), { short: 5 });
  // Still serving good requests.
  const put1 = await fetch(`http://127.0.0.1:${port}/items/7`, { method: 'PUT', body: JSON.stringify({ name: 'seven' }) });
  assert.equal(put1.status, 200);
  assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/items/7`, { headers: { 'x-tiered-session': put1.headers.get('x-tiered-session')! } })).json(), { id: 7, name: 'seven' });
});
