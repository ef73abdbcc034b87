import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateGatewayConfig } from '../gateway/gateway.js';
import { defaultGatewayConfig } from './services.js';

const stack = {
  dir: '/tmp/x', ephemeral: false, memcached: [],
  postgres: {
    primary: { host: '127.0.0.1', port: 5432, url: '', dataDir: '' },
    replica: { host: '127.0.0.1', port: 5433, url: '', dataDir: '' },
  },
};

test('tiered up without a gateway section: DB read 9001 (replica, fallback primary), write 9002 (primary), admin 8404', () => {
  const config = validateGatewayConfig(defaultGatewayConfig(stack));
  const listens = Object.fromEntries(config.frontends.map((f) => [f.name, [f.listen, f.mode, f.backend]]));
  assert.deepEqual(listens['db-read'], ['127.0.0.1:9001', 'tcp', 'db-replicas']);
  assert.deepEqual(listens['db-write'], ['127.0.0.1:9002', 'tcp', 'db-primary']);
  assert.equal(config.admin?.listen, '127.0.0.1:8404');
  const replicas = config.backends.find((b) => b.name === 'db-replicas')!;
  assert.equal(replicas.fallback, 'db-primary');
  assert.deepEqual(replicas.servers.map((s) => s.address), ['127.0.0.1:5433']);
  const primary = config.backends.find((b) => b.name === 'db-primary')!;
  assert.equal(primary.check?.type, 'postgres');
});

test('without PostgreSQL only the admin port is configured', () => {
  const config = validateGatewayConfig(defaultGatewayConfig({ ...stack, postgres: undefined }));
  assert.equal(config.frontends.length, 0);
  assert.equal(config.admin?.listen, '127.0.0.1:8404');
});
