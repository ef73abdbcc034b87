import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsFromGatewayStats, normalizeOrigin } from './discovery.js';
import { classifyError } from './attempt.js';

test('normalizeOrigin accepts host:port and URLs, rejects other schemes', () => {
  assert.equal(normalizeOrigin('127.0.0.1:9100'), 'http://127.0.0.1:9100');
  assert.equal(normalizeOrigin('https://api.example:8443/x'), 'https://api.example:8443');
  assert.throws(() => normalizeOrigin('redis://127.0.0.1:6379'), /expected an http/);
});

test('gateway stats: picks the named backend, reads admin state and health', () => {
  const doc = {
    backends: [
      { name: 'other', servers: [{ address: '10.0.0.9:1' }] },
      { name: 'platform', servers: [
        { name: 'a', address: '127.0.0.1:9100', admin: 'ready', status: 'UP', weight: 2 },
        { name: 'b', address: '127.0.0.1:9101', admin: 'drain', status: 'DOWN' },
        { name: 'c', url: 'http://127.0.0.1:9102', admin: 'maint', up: true },
      ] },
    ],
  };
  assert.deepEqual(hostsFromGatewayStats(doc, 'platform'), [
    { id: 'http://127.0.0.1:9100', weight: 2, admin: 'ready', healthy: true },
    { id: 'http://127.0.0.1:9101', weight: undefined, admin: 'drain', healthy: false },
    { id: 'http://127.0.0.1:9102', weight: undefined, admin: 'maint', healthy: true },
  ]);
  assert.throws(() => hostsFromGatewayStats(doc, 'nope'), /no backend "nope"/);
});

test('gateway stats in the gateway\'s own /stats.json shape', () => {
  const server = (name: string, address: string, state: string, admin: string) =>
    ({ name, address, state, admin, check: { status: 'L7OK', detail: '', lastCheck: null }, weight: 1, inFlight: 0 });
  const doc = { time: '', pid: 1, uptime: 1, frontends: [], backends: [{ name: 'app', mode: 'http', servers: [
    server('a', '127.0.0.1:3001', 'UP', 'ready'),
    server('b', '127.0.0.1:3002', 'DOWN', 'ready'),
    server('c', '127.0.0.1:3003', 'EJECTED', 'ready'),
    server('d', '127.0.0.1:3004', 'MAINT', 'maint'),
    server('e', '127.0.0.1:3005', 'UP (trial)', 'ready'),
  ] }] };
  assert.deepEqual(hostsFromGatewayStats(doc).map((h) => [h.id.slice(-4), h.admin, h.healthy]), [
    ['3001', 'ready', true], ['3002', 'ready', false], ['3003', 'ready', false], ['3004', 'maint', true], ['3005', 'ready', true],
  ]);
});

test('transport errors are classified for retries and ejection', () => {
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'connect-error');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), 'connect-error');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), 'timeout');
  assert.equal(classifyError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })), 'reset');
  assert.equal(classifyError(new DOMException('aborted', 'AbortError')), 'cancelled');
});
