// Fuzz target: the admin port of a real gateway (bearer token, an HTTP and a TCP backend, the
// queue view from ops/ mounted at /queues on a real Redis). Each case is one raw HTTP/1.1
// request written to a socket: generated methods, paths (percent-encoding good and bad, dot
// segments, hostile backend/server/queue names), query strings, tokens (right, wrong, empty,
// very long, non-ASCII), JSON bodies for the runtime API (malformed, deep, huge, wrong types)
// and form bodies for the queue view (hostile queue names and job refs). Every request must get
// a whole answer with a 2xx, 3xx or 4xx status (never a 5xx for bad input, never a dropped
// connection), and the admin must still answer /stats.json afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';
import { fuzz } from '../../sdk/testing/fuzz.js';
import { startGateway, type Gateway } from '../gateway.js';
import { queueViewMount, type QueueViewMount } from '../../ops/queue-view.js';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';

const TOKEN = 's3cret-token';

let stack: TestStack;
let view: QueueViewMount;
let gateway: Gateway;
let admin: number;
const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);

before(async () => {
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  stack = await startTestStack({ redis: true });
  view = queueViewMount(stack.redis.url, 'fuzz');
  const config = {
    accessLog: false,
    admin: { listen: '127.0.0.1:0', token: TOKEN },
    frontends: [
      { name: 'web', listen: '127.0.0.1:0', backend: 'app' },
      { name: 'db', listen: '127.0.0.1:0', mode: 'tcp', backend: 'tcpbe' },
    ],
    backends: [
      { name: 'app', servers: [{ name: 's1', address: '127.0.0.1:1' }, { name: 's 2/é', address: '127.0.0.1:2' }] },
      { name: 'tcpbe', servers: [{ name: 't1', address: '127.0.0.1:3' }] },
    ],
  };
  gateway = await startGateway(config, { accessLog: false, adminMounts: [view.mount], reloadSource: () => config as never });
  admin = gateway.ports().admin;
});

after(async () => {
  await gateway?.stop(0);
  await view?.close();
  await stack?.stop();
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
});

interface Answer {
  status: number;
  raw: string;
}

/** Writes one raw request and reads the whole answer (the request asks the server to close). */
function exchange(request: Buffer, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: admin });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no whole answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (error) => {
      // A reset after a whole answer is fine; before it, the connection was dropped.
      const raw = Buffer.concat(chunks).toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(raw)) return;
      clearTimeout(timer);
      reject(new Error(`connection dropped (${(error as NodeJS.ErrnoException).code}) after ${raw.length} bytes`));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      if (!match) reject(new Error(`no HTTP answer, got ${JSON.stringify(raw.slice(0, 200))}`));
      else resolve({ status: Number(match[1]), raw });
    });
    socket.write(request);
  });
}

function build(method: string, target: string, headers: [string, Buffer | string][], body: Buffer): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  const head = Buffer.concat([
    Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1'),
    ...headers.map(([k, v]) => Buffer.concat([Buffer.from(`${k}: `, 'latin1'), Buffer.from(v), Buffer.from('\r\n')])),
    Buffer.from(`Content-Length: ${body.length}\r\n\r\n`),
  ]);
  return Buffer.concat([head, body]);
}

const hostileName = fc.oneof(
  fc.constantFrom('app', 'tcpbe', 's1', 't1', 's%202%2F%C3%A9', 'nope', '%', '%E0%A4%A', '%zz', '%00', '..', '.', '%2e%2e', '__proto__', 'constructor', 'toString', 'a'.repeat(3000)),
  fc.webSegment(),
  fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s)),
);
const path = fc.oneof(
  fc.tuple(hostileName, hostileName).map(([b, s]) => `/backends/${b}/servers/${s}`),
  fc.constantFrom('/', '/healthz', '/stats', '/stats.json', '/stats/history.json', '/metrics', '/reload', '/queues', '/queues/', '/queues/retry',
    '/queues/retry-all', '/queues/..', '/queues/%2e%2e/stats.json', '//stats.json', '/stats.json/', '*', '/backends', '/backends/app/servers/'),
  fc.array(hostileName, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
  fc.webPath(),
  fc.constantFrom('http://admin/stats.json', 'http://[::1', '//[', 'http://x:99999/', '/%', '/\\stats.json'),
);
const query = fc.oneof(fc.constant(''), fc.webQueryParameters().map((q) => `?${q}`), fc.constantFrom('?format=json', '?format=json&format=html', '?%', '?a=%E0', `?${'x'.repeat(5000)}`));
const method = fc.oneof(fc.constantFrom('GET', 'GET', 'PUT', 'PUT', 'POST', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PRI', 'FOO', 'get'));
const token = fc.oneof(
  fc.constant(Buffer.from(`Bearer ${TOKEN}`)), fc.constant(Buffer.from(`Bearer ${TOKEN}`)), fc.constant(Buffer.from(`Bearer ${TOKEN}`)),
  fc.constantFrom('', 'Bearer', 'Bearer ', `bearer ${TOKEN}`, `Bearer ${TOKEN} `, `Bearer  ${TOKEN}`, `Basic ${TOKEN}`, `Bearer ${TOKEN}x`).map((s) => Buffer.from(s)),
  fc.string({ maxLength: 40 }).map((s) => Buffer.from(`Bearer ${s}`)),
  fc.constantFrom(Buffer.from(`Bearer ${'é'.repeat(6)}`), Buffer.from('Bearer \xe9\xff\x80', 'latin1'), Buffer.from(`Bearer ${'x'.repeat(20_000)}`), Buffer.from(`Bearer ${TOKEN.slice(0, -1)}\xe9`, 'latin1')),
);
const deep = (n: number, open: string, close: string) => `${open.repeat(n)}${close.repeat(n)}`;
const jsonBody = fc.oneof(
  fc.record({ state: fc.oneof(fc.constantFrom('drain', 'maint', 'ready', 'DRAIN', '', 'up'), fc.jsonValue()), weight: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double(), fc.jsonValue()) }, { requiredKeys: [] })
    .map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"state":', 'null', '[]', '"drain"', '{"__proto__":{"state":"drain"}}', '{"state":"drain","extra":1}', '{"weight":1e400}',
    '{"weight":-0}', '{"state":"ready","weight":256}', '\uFEFF{"state":"ready"}'),
  fc.integer({ min: 1, max: 200_000 }).map((n) => deep(n, '[', ']')),
  fc.integer({ min: 1, max: 50_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.integer({ min: 60_000, max: 300_000 }).map((n) => `{"state":"drain","pad":"${'x'.repeat(n)}"}`),
);
const formBody = fc.oneof(
  fc.tuple(fc.constantFrom('queue', 'ref'), fc.oneof(fc.constantFrom('', ':', 'a:b', 'thumbnail', 'thumbnail:1', 'x:', ':1', 'a:b:c', '*', 'fuzz:meta', '\0', 'é'), fc.string({ maxLength: 60 })))
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`),
  fc.string({ maxLength: 100 }),
  fc.integer({ min: 16_000, max: 100_000 }).map((n) => `queue=${'q'.repeat(n)}`),
);
const request = fc.record({
  method, path, query,
  token: fc.option(token, { freq: 8 }),
  body: fc.oneof(jsonBody, formBody, fc.constant('')),
  contentType: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', undefined),
  origin: fc.constantFrom(undefined, undefined, 'http://evil.example', 'null', 'http://127.0.0.1', '::'),
  upgrade: fc.constantFrom(undefined, undefined, undefined, 'websocket', 'h2c', ''),
});

async function statsStillServed(): Promise<void> {
  const answer = await exchange(build('GET', '/stats.json', [['Authorization', `Bearer ${TOKEN}`]], Buffer.alloc(0)));
  assert.equal(answer.status, 200);
  const body = answer.raw.slice(answer.raw.indexOf('\r\n\r\n') + 4);
  assert.ok(Array.isArray((JSON.parse(body) as { backends: unknown[] }).backends));
}

test('hostile admin requests (paths, methods, bodies, tokens, queue ids) get a whole 2xx-4xx answer and /stats.json still answers', async () => {
  await statsStillServed();
  await fuzz('admin', fc.asyncProperty(request, async (r) => {
    const headers: [string, Buffer | string][] = [];
    if (r.token) headers.push(['Authorization', r.token]);
    if (r.contentType) headers.push(['Content-Type', r.contentType]);
    if (r.origin) headers.push(['Origin', r.origin]);
    if (r.upgrade !== undefined) headers.push(['Connection', 'Upgrade'], ['Upgrade', r.upgrade]);
    const answer = await exchange(build(r.method, `${r.path}${r.query}`, headers, Buffer.from(r.body))).catch((error: Error) => {
      // fast-check's report shows the input, not the error: name it on stderr.
      process.stderr.write(`admin fuzz: ${error.message} for ${r.method} ${r.path.slice(0, 80)}${r.query.slice(0, 50)} token ${r.token?.length} body ${r.body.length} ${JSON.stringify(r.body.slice(0, 60))}\n`);
      throw error;
    });
    if (answer.status >= 500) process.stderr.write(`admin fuzz: ${JSON.stringify(answer.raw.slice(0, 400))} for ${r.method} ${r.path}${r.query.slice(0, 50)} ${JSON.stringify(r.body.slice(0, 100))}\n`);
    assert.ok(answer.status >= 200 && answer.status < 500, `status ${answer.status}: ${answer.raw.slice(0, 300)}`);
    await statsStillServed();
    assert.deepEqual(escaped, []);
  }), { short: 5 });
});
