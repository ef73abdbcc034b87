// The edge against a real origin over real sockets (test-edge.ts: node:http in front of Edge,
// the reply adapter the exchange implements in the gateway): the RFC 9111 semantics table,
// coalescing, stale-while-revalidate, stale-if-error, purges, Range, HEAD, compression, bounds.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { Agent } from 'node:http';
import { startTestBackend, httpRequest, type TestBackend } from '../test-backends.js';
import { startTestEdge, type TestEdgeServer } from './test-edge.js';
import { eventually } from '../../sdk/testing/eventually.js';
import { primaryKey } from './key.js';
import { judge } from './object.js';

let origin: TestBackend;
let edge: TestEdgeServer;
/** Per-path answers: headers and body the origin sends; counts per path. */
const routes = new Map<string, (req: import('node:http').IncomingMessage) => { status?: number; headers?: Record<string, string | string[]>; body?: string | Buffer; delay?: number }>();
const counts = new Map<string, number>();

before(async () => {
  origin = await startTestBackend('origin');
  origin.handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) return false;
    const answer = route(req);
    const send = () => {
      const body = answer.body ?? `body of ${req.url}`;
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers, ...(answer.status === 304 ? {} : { 'content-length': Buffer.byteLength(body) }) });
      res.end(answer.status === 304 ? undefined : body);
    };
    req.resume();
    if (answer.delay) setTimeout(send, answer.delay);
    else send();
    return true;
  };
  edge = await startTestEdge(origin.port, { grace: '0ms', keep: '1h', hitForMiss: '10s', compress: false });
});

after(async () => {
  await edge.stop();
  await origin.stop();
});

beforeEach(async () => {
  await edge.edge.purge({ all: true, soft: false });
  counts.clear();
  routes.clear();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => httpRequest(edge.port, { path, headers, method });
const hits = (path: string) => counts.get(path) ?? 0;

test('max-age: stored on the first request, a hit with Age, Cache-Status and X-Cache after', async () => {
  routes.set('/a', () => ({ headers: { 'cache-control': 'max-age=60' } }));
  const first = await get('/a');
  assert.equal(first.headers['x-cache'], 'MISS');
  assert.match(String(first.headers['cache-status']), /^Tiered; fwd=miss; fwd-status=200; stored/);
  const second = await get('/a');
  assert.equal(second.status, 200);
  assert.equal(second.body, 'body of /a');
  assert.equal(second.headers['x-cache'], 'HIT');
  assert.match(String(second.headers['cache-status']), /^Tiered; hit; ttl=(59|60)/);
  assert.equal(second.headers.age, '0');
  assert.equal(hits('/a'), 1);
});

test('semantics table: what is stored and what is not', async () => {
  const table: [string, Record<string, string | string[]>, boolean][] = [
    ['/s-maxage', { 'cache-control': 'max-age=0, s-maxage=60' }, true],
    ['/private', { 'cache-control': 'private, max-age=60' }, false],
    ['/no-store', { 'cache-control': 'no-store' }, false],
    ['/set-cookie', { 'cache-control': 'max-age=60', 'set-cookie': 'a=1' }, false],
    ['/expires', { date: new Date().toUTCString(), expires: new Date(Date.now() + 60_000).toUTCString() }, true],
    ['/expires-past', { date: new Date().toUTCString(), expires: new Date(Date.now() - 60_000).toUTCString() }, false],
    ['/expires-bad', { expires: '0' }, false],
    ['/no-validators', {}, false],
    ['/surrogate-control', { 'cache-control': 'no-cache', 'surrogate-control': 'max-age=60' }, true],
    ['/surrogate-no-store', { 'cache-control': 'max-age=60', 'surrogate-control': 'no-store' }, false],
    ['/vary-star', { 'cache-control': 'max-age=60', vary: '*' }, false],
  ];
  for (const [path, headers] of table) routes.set(path, () => ({ headers }));
  for (const [path, headers, cached] of table) {
    await get(path);
    const again = await get(path);
    assert.equal(hits(path), cached ? 1 : 2, `${path} ${JSON.stringify(headers)}: ${cached ? 'stored' : 'not stored'} (${again.headers['cache-status']})`);
    assert.equal(again.headers['surrogate-control'], undefined, 'Surrogate-Control stripped');
  }
});

test('404 with explicit freshness and 301 are cached; 206 from the origin is not stored', async () => {
  routes.set('/gone', () => ({ status: 404, headers: { 'cache-control': 'max-age=60' } }));
  routes.set('/moved', () => ({ status: 301, headers: { location: '/elsewhere', 'cache-control': 'max-age=60' } }));
  routes.set('/partial', () => ({ status: 206, headers: { 'content-range': 'bytes 0-3/10', 'cache-control': 'max-age=60' }, body: 'abcd' }));
  for (const p of ['/gone', '/moved', '/partial']) { await get(p); await get(p); }
  assert.equal(hits('/gone'), 1);
  assert.equal(hits('/moved'), 1);
  assert.equal(hits('/partial'), 2);
});

test('Authorization bypasses; uncacheable answers are remembered (hit-for-miss) and not serialised', async () => {
  routes.set('/auth', () => ({ headers: { 'cache-control': 'max-age=60' } }));
  const a = await get('/auth', { authorization: 'Bearer x' });
  assert.equal(a.headers['x-cache'], 'BYPASS');
  let inFlight = 0;
  let most = 0;
  routes.set('/priv', () => {
    most = Math.max(most, ++inFlight);
    setTimeout(() => inFlight--, 300);
    return { headers: { 'cache-control': 'private' }, delay: 300 };
  });
  await get('/priv');
  most = 0;
  const many = await Promise.all(Array.from({ length: 10 }, () => get('/priv')));
  assert.ok(many.every((r) => r.headers['x-cache'] === 'BYPASS' && /hit-for-miss/.test(String(r.headers['cache-status']))));
  assert.ok(most > 1, `the ten went to the origin side by side, not one after another (at most ${most} at once)`);
});

test('Vary: one object per Accept-Language', async () => {
  routes.set('/v', (req) => ({ headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' }, body: `lang ${req.headers['accept-language']}` }));
  assert.equal((await get('/v', { 'accept-language': 'en' })).body, 'lang en');
  assert.equal((await get('/v', { 'accept-language': 'fr' })).body, 'lang fr');
  const en = await get('/v', { 'accept-language': 'en' });
  assert.equal(en.body, 'lang en');
  assert.equal(en.headers['x-cache'], 'HIT');
  assert.equal((await get('/v', { 'accept-language': 'fr' })).headers['x-cache'], 'HIT');
  assert.equal(hits('/v'), 2);
});

test('Age from an upstream cache counts against freshness', async () => {
  routes.set('/aged', () => ({ headers: { 'cache-control': 'max-age=60', age: '50' } }));
  await get('/aged');
  const hit = await get('/aged');
  assert.ok(Number(hit.headers.age) >= 50, `age ${hit.headers.age}`);
  assert.match(String(hit.headers['cache-status']), /ttl=(9|10)\b/);
});

test('304 paths: a stale object is revalidated (origin 304 refreshes it); a client conditional gets 304 from the edge', async () => {
  let n = 0;
  routes.set('/etag', (req) => {
    n++;
    if (req.headers['if-none-match'] === '"v1"') return { status: 304, headers: { etag: '"v1"', 'cache-control': 'max-age=0', 'x-round': String(n) } };
    return { headers: { etag: '"v1"', 'cache-control': 'max-age=0', 'x-round': String(n) }, body: 'etag body' };
  });
  await get('/etag');
  const again = await get('/etag');
  assert.equal(again.headers['x-cache'], 'REVALIDATED');
  assert.equal(again.body, 'etag body');
  assert.equal(again.headers['x-round'], '2', 'headers refreshed from the 304');
  routes.set('/fresh-etag', () => ({ headers: { etag: '"f"', 'cache-control': 'max-age=60', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' } }));
  await get('/fresh-etag');
  const inm = await get('/fresh-etag', { 'if-none-match': 'W/"f"' });
  assert.equal(inm.status, 304);
  assert.equal(inm.body, '');
  const ims = await get('/fresh-etag', { 'if-modified-since': 'Tue, 02 Jan 2024 00:00:00 GMT' });
  assert.equal(ims.status, 304);
  assert.equal(hits('/fresh-etag'), 1);
});

test('unsafe methods that succeed invalidate the URI and its Location (RFC 9111 §4.4)', async () => {
  routes.set('/item', () => ({ headers: { 'cache-control': 'max-age=60' } }));
  routes.set('/other', () => ({ headers: { 'cache-control': 'max-age=60' } }));
  routes.set('/post-here', () => ({ status: 201, headers: { location: '/other' } }));
  await get('/item'); await get('/other'); await get('/post-here?x');
  await get('/item', {}, 'DELETE');
  await eventually('item invalidated', async () => (await get('/item')).headers['x-cache'] === 'MISS');
  await httpRequest(edge.port, { path: '/post-here', method: 'POST', body: 'x' });
  await eventually('Location invalidated', async () => (await get('/other')).headers['x-cache'] === 'MISS');
});

test('1,000 concurrent requests for an expired object: exactly one origin request, streamed to every waiter', async () => {
  let n = 0;
  routes.set('/herd', () => ({ headers: { 'cache-control': n++ === 0 ? 'max-age=1' : 'max-age=60' }, delay: 200, body: 'x'.repeat(20_000) }));
  await get('/herd');
  await eventually('the object expired', () => {
    const stored = edge.edge.objects.get(primaryKey(`127.0.0.1:${edge.port}`, '/herd'));
    return stored !== undefined && !(stored instanceof Promise) && stored.kind === 'object' && judge(stored, edge.edge.windows).state !== 'fresh';
  }, 5000, 50);
  const agent = new Agent({ keepAlive: true, maxSockets: 1000 });
  const all = await Promise.all(Array.from({ length: 1000 }, () => httpRequest(edge.port, { path: '/herd', agent })));
  agent.destroy();
  assert.ok(all.every((r) => r.status === 200 && r.body.length === 20_000));
  assert.equal(hits('/herd'), 2, 'one fetch to fill, one per expiry');
  const collapsed = all.filter((r) => /collapsed/.test(String(r.headers['cache-status']))).length;
  assert.ok(collapsed > 0, 'waiters joined the one fetch');
  assert.ok(all.every((r) => /collapsed/.test(String(r.headers['cache-status'])) || r.headers['x-cache'] === 'HIT' || r.headers['x-cache'] === 'MISS'), 'the rest were hits after it');
});

test('stale-while-revalidate: stale answered at once, refreshed once in the background', async () => {
  let n = 0;
  let refreshed = false;
  routes.set('/swr', () => {
    n++;
    if (n > 1) setTimeout(() => (refreshed = true), 3000);
    return { headers: { 'cache-control': 'max-age=1, stale-while-revalidate=30' }, body: `v${n}`, delay: n > 1 ? 3000 : 0 };
  });
  await get('/swr');
  await eventually('expired', async () => {
    const r = await get('/swr');
    return r.headers['x-cache'] === 'STALE' ? r : undefined;
  }, 5000, 100);
  const stale = await Promise.all(Array.from({ length: 20 }, () => get('/swr')));
  assert.ok(!refreshed, 'answered from stale while the 3 s refresh was still at the origin');
  assert.ok(stale.every((r) => r.body === 'v1' && r.headers['x-cache'] === 'STALE'));
  await eventually('refreshed', async () => (await get('/swr')).body === 'v2');
  assert.equal(hits('/swr'), 2, 'one refresh');
});

test('origin down: stale served within keep (stale-if-error), 502 after', async () => {
  const { startTestBackend: start } = await import('../test-backends.js');
  const down = await start('down');
  down.handler = (req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=1, stale-if-error=2', 'content-type': 'text/plain' });
    res.end('cached');
    return true;
  };
  const e = await startTestEdge(down.port, { grace: '0ms', keep: '0ms' });
  try {
    await httpRequest(e.port, { path: '/x' });
    await down.stop();
    const stale = await eventually('stale served', async () => {
      const r = await httpRequest(e.port, { path: '/x' });
      return r.headers['x-cache'] === 'STALE' ? r : undefined;
    }, 5000, 100);
    assert.equal(stale.body, 'cached');
    assert.match(String(stale.headers['cache-status']), /fwd=stale; fwd-status=502; .*detail=stale-if-error/);
    await eventually('502 after stale-if-error', async () => (await httpRequest(e.port, { path: '/x' })).status === 502, 8000, 200);
  } finally {
    await e.stop();
  }
});

test('purge by surrogate key and by URL; soft purge serves stale once and refetches', async () => {
  let n = 0;
  routes.set('/p1', () => ({ headers: { 'cache-control': 'max-age=60', 'surrogate-key': 'product-1 list' }, body: `p1 v${++n}` }));
  routes.set('/p2', () => ({ headers: { 'cache-control': 'max-age=60', 'surrogate-key': 'product-2 list' } }));
  await get('/p1'); await get('/p2');
  assert.equal((await get('/p1')).headers['surrogate-key'], undefined, 'Surrogate-Key stripped');
  assert.equal(await edge.edge.purge({ keys: ['product-1'], soft: false }), 1);
  assert.equal((await get('/p1')).headers['x-cache'], 'MISS');
  assert.equal((await get('/p2')).headers['x-cache'], 'HIT');
  assert.equal(await edge.edge.purge({ urls: ['/p2'], soft: false }), 1);
  assert.equal((await get('/p2')).headers['x-cache'], 'MISS');
  const soft = await startTestEdge(origin.port, { grace: '10s' });
  try {
    await httpRequest(soft.port, { path: '/p1' });
    assert.equal(await soft.edge.purge({ keys: ['list'], soft: true }), 1);
    const once = await httpRequest(soft.port, { path: '/p1' });
    assert.equal(once.headers['x-cache'], 'STALE');
    await eventually('refetched after the soft purge', async () => (await httpRequest(soft.port, { path: '/p1' })).headers['x-cache'] === 'HIT');
  } finally {
    await soft.stop();
  }
});

test('Range from the cached full object (206, 416), HEAD from a cached GET', async () => {
  routes.set('/r', () => ({ headers: { 'cache-control': 'max-age=60', etag: '"r"' }, body: '0123456789' }));
  await get('/r');
  const part = await get('/r', { range: 'bytes=2-5' });
  assert.equal(part.status, 206);
  assert.equal(part.body, '2345');
  assert.equal(part.headers['content-range'], 'bytes 2-5/10');
  assert.equal((await get('/r', { range: 'bytes=-3' })).body, '789');
  assert.equal((await get('/r', { range: 'bytes=20-' })).status, 416);
  assert.equal((await get('/r', { range: 'bytes=2-5', 'if-range': '"other"' })).status, 200);
  const head = await get('/r', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '10');
  assert.equal(head.headers['x-cache'], 'HIT');
  assert.equal(hits('/r'), 1);
});

test('compressed variants for clients that accept br or gzip', async () => {
  const c = await startTestEdge(origin.port, {});
  try {
    const text = 'hello compressible world '.repeat(100);
    routes.set('/text', () => ({ headers: { 'cache-control': 'max-age=60', 'content-type': 'text/html', etag: '"t"' }, body: text }));
    const miss = await httpRequest(c.port, { path: '/text', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(miss.headers.vary, 'Accept-Encoding');
    const { request } = await import('undici');
    const br = await request(`http://127.0.0.1:${c.port}/text`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(Buffer.from(await br.body.arrayBuffer())).toString(), text);
    const gz = await request(`http://127.0.0.1:${c.port}/text`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.etag, '"t-gzip"');
    assert.equal(gunzipSync(Buffer.from(await gz.body.arrayBuffer())).toString(), text);
    assert.equal(hits('/text'), 1);
  } finally {
    await c.stop();
  }
});

test('memory stays under maxBytes with many objects; objects over maxObjectBytes stream through uncached', async () => {
  const small = await startTestEdge(origin.port, { maxBytes: '200kb', maxObjectBytes: '20kb' });
  try {
    routes.set('/big', () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'b'.repeat(50_000) }));
    assert.equal((await httpRequest(small.port, { path: '/big' })).body.length, 50_000);
    assert.equal((await httpRequest(small.port, { path: '/big' })).headers['x-cache'], 'BYPASS');
    for (let i = 0; i < 100; i++) {
      routes.set(`/obj${i}`, () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'o'.repeat(10_000) }));
      await httpRequest(small.port, { path: `/obj${i}` });
      assert.ok(small.edge.snapshot().bytes <= 200 * 1024, `bytes ${small.edge.snapshot().bytes}`);
    }
    assert.ok(small.edge.snapshot().objects >= 10);
  } finally {
    await small.stop();
  }
});

test('request directives: only-if-cached (504 when not stored), max-stale serves stale, min-fresh revalidates', async () => {
  assert.equal((await get('/oic', { 'cache-control': 'only-if-cached' })).status, 504);
  assert.equal(hits('/oic'), 0);
  let n = 0;
  routes.set('/ms', () => ({ headers: { 'cache-control': 'max-age=1', etag: '"m"' }, body: `ms ${++n}` }));
  await get('/ms');
  await eventually('the object expired', () => {
    const stored = edge.edge.objects.get(primaryKey(`127.0.0.1:${edge.port}`, '/ms'));
    return stored !== undefined && !(stored instanceof Promise) && stored.kind === 'object' && judge(stored, edge.edge.windows).state !== 'fresh';
  }, 5000, 50);
  const stale = await get('/ms', { 'cache-control': 'max-stale=60' });
  assert.equal(stale.headers['x-cache'], 'STALE');
  assert.equal(stale.body, 'ms 1');
  routes.set('/mf', () => ({ headers: { 'cache-control': 'max-age=30', etag: '"f"' } }));
  await get('/mf');
  assert.equal((await get('/mf', { 'cache-control': 'min-fresh=10' })).headers['x-cache'], 'HIT');
  assert.notEqual((await get('/mf', { 'cache-control': 'min-fresh=100' })).headers['x-cache'], 'HIT');
});
