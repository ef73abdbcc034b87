// Purges end to end on real servers: the admin `POST /edge/purge` (bearer token, bad bodies),
// the Redis bus (a purge on instance A makes instance B miss), and the cache tier's outbox
// relay: a committed write with surrogate keys purges the edge and its outbox row is done.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { createCache, type Cache } from '../../cache/index.js';
import { createOutboxRelay, type OutboxRelay } from '../../cache/outbox/relay.js';
import { ensureOutboxTable } from '../../cache/outbox/schema.js';
import { withInvalidation } from '../../cache/outbox/write.js';
import { startAdmin, type AdminServer } from '../admin/server.js';
import { startTestBackend, httpRequest, type TestBackend } from '../test-backends.js';
import { eventually } from '../../sdk/testing/eventually.js';
import { startTestEdge, type TestEdgeServer } from './test-edge.js';
import { EdgeRegistry } from './edges.js';

describe('edge purges on real servers', () => {
  const token = 'edge-test-token';
  let stack: TestStack;
  let db: pg.Pool;
  let origin: TestBackend;
  const edges: TestEdgeServer[] = [];
  const registries: EdgeRegistry[] = [];
  let admin: AdminServer;
  let cache: Cache;
  let relay: OutboxRelay | undefined;

  before(async () => {
    stack = await startTestStack({ redis: true, postgres: true });
    db = new pg.Pool({ connectionString: stack.postgres.primary.url, max: 2 });
    await ensureOutboxTable(db);
    origin = await startTestBackend('origin');
    origin.handler = (req, res) => {
      const key = (req.url ?? '/').slice(1).split('?')[0];
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=300', 'surrogate-key': `${key} all-products` });
      res.end(`product ${key}`);
      return true;
    };
    for (let i = 0; i < 2; i++) {
      const e = await startTestEdge(origin.port, {});
      edges.push(e);
      const registry = new EdgeRegistry();
      registry.set('web', e.edge);
      await registry.connectBus(`redis://127.0.0.1:${stack.redis.port}`, 'tiered:edge-test:');
      registries.push(registry);
    }
    process.env.TIERED_ADMIN_TOKEN = token;
    admin = await startAdmin({ listen: '127.0.0.1:0' }, { stats: () => ({ time: '', pid: 0, uptime: 0, frontends: [], backends: [] }), setServer: () => {}, purge: (r) => registries[0].purge(r) });
    delete process.env.TIERED_ADMIN_TOKEN;
    cache = createCache({ store: { memory: {} }, namespace: 'edge-purge', l1: false });
  });

  after(async () => {
    await relay?.stop();
    await cache?.close();
    await admin?.close();
    for (const r of registries) {
      r.set('web', undefined);
      await r.close();
    }
    for (const e of edges) await e.stop().catch(() => {});
    await origin?.stop();
    await db?.end();
    await stack?.stop();
  });

  const xcache = async (e: TestEdgeServer, path: string) => (await httpRequest(e.port, { path })).headers['x-cache'];
  const purge = (body: string, auth = `Bearer ${token}`) => httpRequest(admin.port, { path: '/edge/purge', method: 'POST', body, headers: { 'content-type': 'application/json', authorization: auth } });

  test('POST /edge/purge needs the token and a purge body; a purge on instance A reaches instance B through Redis', async () => {
    for (const e of edges) {
      await httpRequest(e.port, { path: '/p1' });
      assert.equal(await xcache(e, '/p1'), 'HIT');
    }
    assert.equal((await purge('{"keys":["p1"]}', 'Bearer wrong')).status, 401);
    const bad = await purge('{"surrogateKeys":["p1"]}');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /bad purge body/);
    const ok = await purge('{"keys":["p1"]}');
    assert.equal(ok.status, 200);
    const result = JSON.parse(ok.body) as { purged: Record<string, number>; published: boolean };
    assert.deepEqual(result.purged, { web: 1 });
    assert.equal(result.published, true);
    assert.equal(await xcache(edges[0], '/p1'), 'MISS');
    await eventually('instance B purged through the bus', async () => (await xcache(edges[1], '/p1')) === 'MISS');
  });

  test('the outbox relay purges through /edge/purge: a committed write with surrogate keys purges the edge, its row is done', async () => {
    await httpRequest(edges[0].port, { path: '/p42' });
    assert.equal(await xcache(edges[0], '/p42'), 'HIT');
    relay = createOutboxRelay({ db: stack.postgres.primary.url, cache, pollInterval: '10s', purger: { url: `http://127.0.0.1:${admin.port}/edge/purge`, token } });
    await relay.start();
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await withInvalidation(client, ['product:42'], [], { namespace: 'edge-purge', surrogateKeys: ['p42'] });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await eventually('the outbox row is done', async () => (await relay!.pending()) === 0);
    assert.equal(await xcache(edges[0], '/p42'), 'MISS');
    const rows = await db.query('SELECT count(*)::int AS n FROM tiered_cache_outbox');
    assert.equal(rows.rows[0].n, 0, 'no row left to retry');
  });
});
