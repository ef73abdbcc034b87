// The edge inside a real gateway (startGateway: native listener, each upstream engine), in
// front of real backend servers: hits, one origin request for concurrent misses, HEAD and Range
// from the store, passes with their Cache-Status, unsafe-method invalidation, the admin purge,
// and the edge counters in /stats.json, /stats and /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../gateway.js';
import { startTestBackend, httpRequest, type TestBackend } from '../test-backends.js';
import type { GatewayStats } from '../admin/stats-model.js';

for (const engine of ['native', 'undici'] as const) {
  describe(`edge in the gateway (${engine} engine)`, () => {
    let a: TestBackend;
    let b: TestBackend;
    let gateway: Gateway;
    let web = 0;
    let admin = 0;
    const counts = new Map<string, number>();

    before(async () => {
      const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
        const path = req.url ?? '/';
        counts.set(path, (counts.get(path) ?? 0) + 1);
        req.resume();
        const body = `body of ${path}`;
        const cc = path.startsWith('/private') ? 'private' : 'max-age=60';
        setTimeout(() => {
          res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/octet-stream', 'cache-control': cc, 'surrogate-key': 'all page', 'content-length': Buffer.byteLength(body), ...(req.method === 'POST' ? { location: '/page' } : {}) });
          res.end(body);
        }, path.startsWith('/slow') ? 150 : 0);
        return true;
      };
      a = await startTestBackend('a');
      b = await startTestBackend('b');
      a.handler = handler;
      b.handler = handler;
      gateway = await startGateway({
        accessLog: false,
        admin: { listen: '127.0.0.1:0' },
        frontends: [{ name: 'web', listen: '127.0.0.1:0', backend: 'app', edge: { grace: '1s' } }],
        backends: [{ name: 'app', engine, servers: [{ name: 'a', address: a.address }, { name: 'b', address: b.address }] }],
      }, { accessLog: false });
      web = gateway.ports().web;
      admin = gateway.ports().admin;
    });

    after(async () => {
      await gateway?.stop(0);
      await a?.stop();
      await b?.stop();
    });

    const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => httpRequest(web, { path, headers, method });

    test('miss then hit, with x-request-id, Age and no surrogate headers', async () => {
      const miss = await get('/page');
      assert.equal(miss.status, 200);
      assert.equal(miss.headers['x-cache'], 'MISS');
      assert.ok(miss.headers['x-request-id']);
      assert.equal(miss.headers['surrogate-key'], undefined);
      const hit = await get('/page');
      assert.equal(hit.headers['x-cache'], 'HIT');
      assert.equal(hit.body, 'body of /page');
      assert.equal(hit.headers.age, '0');
      assert.equal(counts.get('/page'), 1);
    });

    test('concurrent misses: one origin request; HEAD and Range from the stored GET', async () => {
      const all = await Promise.all(Array.from({ length: 50 }, () => get('/slow')));
      assert.ok(all.every((r) => r.status === 200 && r.body === 'body of /slow'));
      assert.equal(counts.get('/slow'), 1);
      const head = await get('/slow', {}, 'HEAD');
      assert.equal(head.headers['x-cache'], 'HIT');
      assert.equal(head.headers['content-length'], String('body of /slow'.length));
      const range = await get('/slow', { range: 'bytes=0-3' });
      assert.equal(range.status, 206);
      assert.equal(range.body, 'body');
    });

    test('uncacheable answers pass with their Cache-Status; a POST invalidates its Location', async () => {
      await get('/private');
      const pass = await get('/private');
      assert.equal(pass.headers['x-cache'], 'BYPASS');
      assert.equal(pass.headers['surrogate-key'], undefined, 'stripped on passes too');
      assert.equal(counts.get('/private'), 2);
      assert.equal((await get('/page')).headers['x-cache'], 'HIT');
      const post = await httpRequest(web, { path: '/form', method: 'POST', body: 'x' });
      assert.equal(post.status, 201);
      assert.equal(post.headers['x-cache'], 'BYPASS');
      assert.equal((await get('/page')).headers['x-cache'], 'MISS');
    });

    test('POST /edge/purge on the admin port purges; /stats.json and /metrics show the edge', async () => {
      await get('/page');
      const purge = await httpRequest(admin, { path: '/edge/purge', method: 'POST', body: '{"keys":["page"]}' });
      assert.equal(purge.status, 200);
      assert.ok((JSON.parse(purge.body) as { purged: { web: number } }).purged.web >= 1);
      assert.equal((await get('/page')).headers['x-cache'], 'MISS');
      const stats = JSON.parse((await httpRequest(admin, { path: '/stats.json' })).body) as GatewayStats;
      const edge = stats.frontends.find((f) => f.name === 'web')!.edge!;
      assert.ok(edge.hits >= 3 && edge.misses >= 3 && edge.coalesced >= 1 && edge.purges >= 1 && edge.bypass >= 1, JSON.stringify(edge));
      const metrics = (await httpRequest(admin, { path: '/metrics' })).body;
      assert.match(metrics, /tiered_edge_lookups_total\{frontend="web",outcome="hits"\} \d+/);
      assert.match((await httpRequest(admin, { path: '/stats' })).body, /edge hit ratio/);
    });
  });
}
