import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayConfigSchema as tcpGatewaySchema } from '../config.js';
import { defaultDbPorts } from './defaults.js';

test('the default DB ports: 9001 reads from replicas with fallback, 9002 writes to the primary only', () => {
  const config = tcpGatewaySchema.parse(defaultDbPorts({ primary: '127.0.0.1:5432', replicas: ['127.0.0.1:5433', '127.0.0.1:5434'] }));
  const read = config.frontends.find((f) => f.name === 'db-read')!;
  const write = config.frontends.find((f) => f.name === 'db-write')!;
  assert.equal(read.listen, '127.0.0.1:9001');
  assert.equal(write.listen, '127.0.0.1:9002');
  const replicas = config.backends.find((b) => b.name === read.backend)!;
  const primary = config.backends.find((b) => b.name === write.backend)!;
  assert.equal(replicas.fallback, primary.name);
  assert.equal(replicas.check?.type === 'postgres' && replicas.check.role, 'replica');
  assert.equal(replicas.check?.type === 'postgres' && replicas.check.maxLagBytes, 16 * 1024 * 1024);
  assert.deepEqual(replicas.servers.map((s) => s.address), ['127.0.0.1:5433', '127.0.0.1:5434']);
  assert.equal(primary.check?.type === 'postgres' && primary.check.role, 'primary');
  // Every server is a write candidate, so a promoted replica takes over without a config change.
  assert.deepEqual(primary.servers.map((s) => s.address), ['127.0.0.1:5432', '127.0.0.1:5433', '127.0.0.1:5434']);
});

test('without replicas both ports go to the primary', () => {
  const config = tcpGatewaySchema.parse(defaultDbPorts({ primary: '127.0.0.1:5432', replicas: [], passwordEnv: 'PGPASSWORD' }));
  assert.deepEqual(config.frontends.map((f) => f.backend), ['db-primary', 'db-primary']);
  assert.equal(config.backends.length, 1);
  assert.equal(config.backends[0].check?.type === 'postgres' && config.backends[0].check.passwordEnv, 'PGPASSWORD');
});

test('the default DB ports are a valid gateway section as they are (tiered up merges them in)', async () => {
  const { validateGatewayConfig } = await import('../gateway.js');
  const ports = defaultDbPorts({ primary: '127.0.0.1:5432', replicas: ['127.0.0.1:5433'] });
  const config = validateGatewayConfig({ frontends: ports.frontends, backends: ports.backends });
  assert.deepEqual(config.frontends.map((f) => [f.name, f.mode, f.listen]), [['db-read', 'tcp', '127.0.0.1:9001'], ['db-write', 'tcp', '127.0.0.1:9002']]);
});
