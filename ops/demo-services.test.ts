// The demo layout `tiered up` generates: the default ports, --app, and when the demo is off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateGatewayConfig } from '../gateway/gateway.js';
import { parseConfig } from './config/load.js';
import { demoBanner, demoGatewayConfig, demoLayout } from './demo-services.js';

const stack = {
  dir: '/tmp/x', ephemeral: false, memcached: [{ host: '127.0.0.1', port: 11211, address: '127.0.0.1:11211' }],
  redis: { host: '127.0.0.1', port: 6379, url: 'redis://127.0.0.1:6379' },
  postgres: {
    primary: { host: '127.0.0.1', port: 5432, url: '', dataDir: '' },
    replica: { host: '127.0.0.1', port: 5433, url: '', dataDir: '' },
  },
};

test('default layout: :8080 → web 3100/3101, :9000 → platform 9100/9101 (HTTP checks), DB ports, admin; platform reaches PostgreSQL through 9001/9002', () => {
  const layout = demoLayout({}, stack)!;
  assert.deepEqual(layout.webPorts, [3100, 3101]);
  assert.deepEqual(layout.platformPorts, [9100, 9101]);
  assert.deepEqual(layout.dbUrl, { read: 'postgres://postgres@127.0.0.1:9001/postgres', write: 'postgres://postgres@127.0.0.1:9002/postgres' });
  const config = validateGatewayConfig(demoGatewayConfig(stack, layout));
  const fe = Object.fromEntries(config.frontends.map((f) => [f.name, [f.listen, f.backend]]));
  assert.deepEqual(fe, {
    web: ['127.0.0.1:8080', 'web'], platform: ['127.0.0.1:9000', 'platform'],
    'db-read': ['127.0.0.1:9001', 'db-replicas'], 'db-write': ['127.0.0.1:9002', 'db-primary'],
  });
  const web = config.backends.find((b) => b.name === 'web')!;
  assert.deepEqual(web.servers.map((s) => s.address), ['127.0.0.1:3100', '127.0.0.1:3101']);
  assert.equal(web.check?.type, 'http');
  assert.equal(config.admin?.listen, '127.0.0.1:8404');
  assert.ok(demoBanner(layout).some((l) => l.includes('http://127.0.0.1:8080/')));
});

test('--app puts your apps behind :8080 (TCP checks); the up: section moves ports and sizes', () => {
  const config = parseConfig({ up: { listen: { web: '127.0.0.1:18080' }, ports: { platform: 19100 }, instances: { platform: 3 } } });
  const layout = demoLayout(config, stack, ['http://127.0.0.1:3000', 'http://127.0.0.1:3001'])!;
  assert.deepEqual(layout.platformPorts, [19100, 19101, 19102]);
  const gateway = validateGatewayConfig(demoGatewayConfig(stack, layout));
  const web = gateway.backends.find((b) => b.name === 'web')!;
  assert.deepEqual(web.servers.map((s) => s.address), ['127.0.0.1:3000', '127.0.0.1:3001']);
  assert.equal(web.check?.type, 'tcp');
  assert.equal(gateway.frontends.find((f) => f.name === 'web')!.listen, '127.0.0.1:18080');
});

test('no demo: up.demo false, no PostgreSQL, or an own gateway: section; a bad up: section names the field', () => {
  assert.equal(demoLayout(parseConfig({ up: { demo: false } }), stack), undefined);
  assert.equal(demoLayout({}, { ...stack, postgres: undefined }), undefined);
  assert.equal(demoLayout(parseConfig({ gateway: { admin: { listen: '127.0.0.1:8404' } } }), stack), undefined);
  assert.throws(() => parseConfig({ up: { instances: { web: 0 } } }), /up\.instances\.web/);
  assert.throws(() => parseConfig({ up: { apps: ['ftp://x'] } }), /up\.apps\[0\]|up\.apps\.0/);
});
