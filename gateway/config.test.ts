import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../ops/config/load.js';
import { gatewayConfigSchema } from './config.js';
import { quickConfig, backendAddress } from './quick-config.js';

test('gateway config: defaults filled, tcp and http frontends side by side, re-parsing is stable', () => {
  const config = gatewayConfigSchema.parse({
    frontends: [{ name: 'web', listen: '127.0.0.1:8080', backend: 'app' }, { name: 'db', mode: 'tcp', listen: '127.0.0.1:9001', backend: 'pg' }],
    backends: [
      { name: 'app', check: { type: 'http', path: '/healthz' }, servers: [{ name: 's1', address: '127.0.0.1:3001' }] },
      { name: 'pg', check: { type: 'postgres', role: 'replica' }, servers: [{ name: 'r1', address: '127.0.0.1:5433' }] },
    ],
  });
  assert.equal(config.frontends[0].mode, 'http');
  assert.equal(config.backends[0].check?.type === 'http' && config.backends[0].check.expect.max, 399);
  assert.equal(config.backends[0].timeouts.connect, 5000);
  assert.equal(config.backends[0].retries.budget, 0.2);
  assert.equal(config.backends[0].engine, 'native');
  assert.equal(config.backends[0].decayTime, 2000);
  assert.deepEqual(gatewayConfigSchema.parse(config), config);
});

test('a bad gateway field is reported with its path', () => {
  assert.throws(() => parseConfigText([
    'gateway:',
    '  frontends: [{ name: web, listen: "nope", backend: missing }]',
    '  backends: [{ name: app, balance: fastest, engine: curl, servers: [{ name: s1, address: "127.0.0.1:1" }] }]',
  ].join('\n')), (error: Error) => {
    assert.match(error.message, /gateway\.backends\[0\]\.engine: expected one of/);
    assert.match(error.message, /gateway\.frontends\[0\]\.listen: expected host:port, got "nope"/);
    assert.match(error.message, /gateway\.backends\[0\]\.balance: expected one of/);
    return true;
  });
  assert.throws(() => parseConfigText([
    'gateway:',
    '  frontends: [{ name: web, listen: "127.0.0.1:1", backend: missing }]',
    '  backends: [{ name: app, servers: [{ name: s1, address: "127.0.0.1:1" }] }]',
  ].join('\n')), /gateway\.frontends\[0\]\.backend: expected the name of a backend, got "missing"/);
});

test('quick mode: flags become one frontend and one backend', () => {
  const config = gatewayConfigSchema.parse(quickConfig({ listen: '127.0.0.1:8080', backends: ['http://127.0.0.1:3001', '127.0.0.1:3002'], health: '/healthz', balance: 'leastconn' }));
  assert.deepEqual(config.backends[0].servers.map((s) => s.address), ['127.0.0.1:3001', '127.0.0.1:3002']);
  assert.equal(config.backends[0].balance, 'leastconn');
  assert.equal(config.backends[0].check?.type, 'http');
  assert.throws(() => quickConfig({ listen: '127.0.0.1:8080', backends: [] }), /at least one --backend/);
  assert.throws(() => quickConfig({ listen: '127.0.0.1:8080', backends: ['x:1'], balance: 'fastest' }), /--balance/);
  assert.throws(() => backendAddress('https://a:1'), /only http/);
  assert.equal(backendAddress('http://localhost'), 'localhost:80');
});
