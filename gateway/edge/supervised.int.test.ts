// The edge under `tiered gateway` with a supervising primary and two workers, as users run it:
// the workers hold the edges, the primary the admin port, so POST /edge/purge on the admin port
// reaches every worker (IPC) and /stats.json adds their edge counters.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest, startTestBackend, type TestBackend } from '../test-backends.js';
import { configFolder, startGatewayCli, type GatewayProcess } from '../test-process.js';
import { eventually } from '../../sdk/testing/eventually.js';
import type { GatewayStats } from '../admin/stats-model.js';

const folder = configFolder();
let gw: GatewayProcess | undefined;
let origin: TestBackend | undefined;

after(async () => {
  await gw?.stop(1000);
  await origin?.stop();
  folder.remove();
});

test('two workers: a purge on the primary\'s admin port empties both workers\' edges', async () => {
  origin = await startTestBackend('origin');
  origin.handler = (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=300', 'surrogate-key': 'k1', 'content-length': 2 });
    res.end('ok');
    return true;
  };
  const file = folder.write('edge.yaml', `gateway:
  workers: 2
  accessLog: false
  admin: { listen: 127.0.0.1:0 }
  frontends:
    - { name: web, listen: 127.0.0.1:0, backend: app, edge: { maxBytes: 16mb } }
  backends:
    - { name: app, servers: [ { name: o, address: ${origin.address} } ] }
`);
  gw = await startGatewayCli(['-c', file], ['web', 'admin']);
  const stats = async () => JSON.parse((await httpRequest(gw!.ports.admin, { path: '/stats.json' })).body) as GatewayStats;
  // New connections spread over the workers: ask until both stored the object.
  await eventually('both workers hold the object', async () => {
    await Promise.all(Array.from({ length: 8 }, () => httpRequest(gw!.ports.web, { path: '/obj' })));
    const edge = (await stats()).frontends.find((f) => f.name === 'web')?.edge;
    return edge !== undefined && edge.stored >= 2 && edge.hits > 0;
  }, 20_000, 100);
  const purge = await httpRequest(gw.ports.admin, { path: '/edge/purge', method: 'POST', body: '{"keys":["k1"]}' });
  assert.equal(purge.status, 200);
  assert.equal((JSON.parse(purge.body) as { purged: { web: number } }).purged.web, 2, 'one object in each worker');
  const after = await Promise.all(Array.from({ length: 6 }, () => httpRequest(gw!.ports.web, { path: '/obj' })));
  assert.ok(after.some((r) => r.headers['x-cache'] === 'MISS'));
  const edge = (await stats()).frontends.find((f) => f.name === 'web')!.edge!;
  assert.equal(edge.purges, 2, 'applied in each worker');
});
