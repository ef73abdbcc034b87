// Fuzz target: the edge between a real origin and real clients (test-edge.ts), and the admin
// `POST /edge/purge`. Each case: the origin answers with generated hostile caching headers
// (Cache-Control, Surrogate-Control, Surrogate-Key, Vary, Age, Expires, Date, ETag,
// Last-Modified, Content-Type, statuses), stored or not; then clients ask for it with generated
// Range, If-Range, If-None-Match, If-Modified-Since, Accept-Encoding, Cache-Control and HEAD;
// then a generated purge body (JSON good and bad) goes to the admin port. Every answer must be
// whole with a status < 500 from the edge (an origin 5xx passes as is), a 206 must lie within the
// object, purges answer 200 or 400/413, nothing escapes as an uncaught exception, and the edge
// still serves a plain GET afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import { fuzz } from '../../sdk/testing/fuzz.js';
import { httpRequest } from '../test-backends.js';
import { startAdmin, type AdminServer } from '../admin/server.js';
import { startTestEdge, type TestEdgeServer } from './test-edge.js';
import { EdgeRegistry } from './edges.js';

let origin: Server;
let originPort = 0;
let edge: TestEdgeServer;
let admin: AdminServer;
const registry = new EdgeRegistry();
const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);
let answer: { status: number; headers: [string, string][]; body: string } = { status: 200, headers: [], body: 'ok' };

before(async () => {
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  origin = createServer((req, res) => {
    req.resume();
    try {
      res.statusCode = answer.status;
      for (const [name, value] of answer.headers) res.appendHeader(name, value);
      res.setHeader('content-length', Buffer.byteLength(answer.body));
      res.end(answer.status === 304 || answer.status === 204 ? undefined : answer.body);
    } catch {
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    }
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', () => resolve()));
  originPort = (origin.address() as { port: number }).port;
  edge = await startTestEdge(originPort, { maxBytes: '2mb', maxObjectBytes: '64kb', grace: '1s', keep: '2s' });
  registry.set('web', edge.edge);
  admin = await startAdmin({ listen: '127.0.0.1:0' }, { stats: () => ({ time: '', pid: 0, uptime: 0, frontends: [], backends: [] }), setServer: () => {}, purge: (r) => registry.purge(r) });
});

after(async () => {
  await admin?.close();
  await edge?.stop();
  await new Promise<void>((resolve) => origin.close(() => resolve()));
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
});

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
const printable = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const number = fc.oneof(fc.integer({ min: -5, max: 100_000 }).map(String), fc.constantFrom('', '-0', '1e9', '0x10', '99999999999999999999', 'NaN'));
const date = fc.oneof(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toUTCString()), printable, fc.constant('0'));
const directive = fc.oneof(
  fc.constantFrom('public', 'private', 'no-store', 'no-cache', 'must-revalidate', 'proxy-revalidate', 'immutable', 'no-transform', 'private="set-cookie"'),
  fc.tuple(fc.constantFrom('max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error'), number).map(([k, v]) => `${k}=${v}`),
  printable,
);
const cacheControl = fc.array(directive, { maxLength: 5 }).map((d) => d.join(fc.sample(fc.constantFrom(', ', ',', ' , '), 1)[0]));
const responseHeader = fc.oneof(
  cacheControl.map((v): [string, string] => ['cache-control', v]),
  cacheControl.map((v): [string, string] => ['surrogate-control', v]),
  fc.array(fc.oneof(token, printable), { maxLength: 300 }).map((k): [string, string] => ['surrogate-key', k.join(' ')]),
  fc.oneof(fc.constantFrom('*', 'Accept-Encoding', 'accept-language, Cookie', ''), printable).map((v): [string, string] => ['vary', v]),
  number.map((v): [string, string] => ['age', v]),
  date.map((v): [string, string] => ['expires', v]),
  date.map((v): [string, string] => ['date', v]),
  date.map((v): [string, string] => ['last-modified', v]),
  fc.oneof(fc.constantFrom('"a"', 'W/"a"', '"', '', 'W/'), printable).map((v): [string, string] => ['etag', v]),
  fc.oneof(fc.constantFrom('text/html', 'application/json; charset=utf-8', 'image/png', ''), printable).map((v): [string, string] => ['content-type', v]),
  fc.constantFrom<[string, string]>(['set-cookie', 'a=1'], ['content-encoding', 'gzip'], ['content-range', 'bytes 0-1/2'], ['pragma', 'no-cache']),
);
const requestHeaders = fc.record({
  range: fc.oneof(fc.constantFrom('bytes=0-0', 'bytes=-1', 'bytes=5-', 'bytes=0-1,3-4', 'bytes=9999999999999999999-', 'bytes=-0', 'items=1-2'), printable),
  'if-range': fc.oneof(fc.constantFrom('"a"', 'W/"a"'), date),
  'if-none-match': fc.oneof(fc.constantFrom('*', '"a"', 'W/"a", "b"'), printable),
  'if-modified-since': date,
  'accept-encoding': fc.oneof(fc.constantFrom('gzip, br', 'br;q=0', 'gzip;q=0.5, br;q=abc', '*', 'identity'), printable),
  'cache-control': cacheControl,
  'accept-language': fc.constantFrom('en', 'fr'),
}, { requiredKeys: [] });
const purgeBody = fc.oneof(
  fc.record({ keys: fc.array(fc.oneof(token, fc.string({ maxLength: 40 })), { maxLength: 20 }), soft: fc.boolean() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ urls: fc.array(fc.oneof(fc.constantFrom('/p0', 'http://127.0.0.1/p1', 'http://[::1/', '://'), fc.string({ maxLength: 40 })), { maxLength: 10 }) }).map((v) => JSON.stringify(v)),
  fc.constantFrom('{"all":true}', '{"all":true,"soft":true}', '{"all":"yes"}', '{"keys":null}', '[]', 'null', '', '{', '{"keys":["a"],"extra":1}'),
  fc.json({ maxDepth: 3 }),
);

test('fuzz: hostile caching headers from the origin, hostile conditionals and ranges from clients, hostile purge bodies', async () => {
  await fuzz('edge', fc.asyncProperty(
    fc.integer({ min: 0, max: 4 }), fc.constantFrom(200, 200, 200, 203, 204, 206, 301, 302, 304, 404, 410, 500, 503),
    fc.array(responseHeader, { maxLength: 8 }), fc.string({ maxLength: 300 }),
    fc.array(fc.tuple(fc.constantFrom('GET', 'GET', 'HEAD'), requestHeaders), { minLength: 1, maxLength: 4 }), purgeBody,
    async (path, status, headers, body, requests, purge) => {
      answer = { status, headers, body };
      for (const [method, h] of requests) {
        const res = await httpRequest(edge.port, { path: `/p${path}`, method, headers: h as Record<string, string> });
        assert.ok(res.status >= 100 && res.status < 600, `status ${res.status}`);
        if (res.status >= 500) assert.ok(res.status === status || res.status === 502, `edge made a ${res.status} for an origin ${status}`);
        if (res.status === 206 && res.headers['x-cache'] !== 'MISS' && res.headers['x-cache'] !== 'BYPASS') { // the edge's own 206 (an origin's passes as sent)
          const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range']));
          assert.ok(m, `206 with content-range ${res.headers['content-range']}`);
          assert.ok(Number(m[1]) <= Number(m[2]) && Number(m[2]) < Number(m[3]));
        }
        assert.equal(res.headers['surrogate-key'], undefined);
        assert.equal(res.headers['surrogate-control'], undefined);
      }
      const purged = await httpRequest(admin.port, { path: '/edge/purge', method: 'POST', body: purge, headers: { 'content-type': 'application/json' } });
      assert.ok([200, 400, 413].includes(purged.status), `purge answered ${purged.status}: ${purged.body}`);
      assert.deepEqual(escaped, []);
    },
  ));
  answer = { status: 200, headers: [['cache-control', 'max-age=60']], body: 'still here' };
  await registry.purge({ all: true, soft: false });
  const plain = await httpRequest(edge.port, { path: '/after' });
  assert.equal(plain.status, 200);
  assert.equal(plain.body, 'still here');
  assert.deepEqual(escaped, []);
});
