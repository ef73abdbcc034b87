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
        { name: 'a', address: '127.0.0.1:9100', state: 'ready', status: 'UP', weight: 2 },
        { name: 'b', address: '127.0.0.1:9101', state: 'drain', status: 'DOWN' },
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

test('transport errors are classified for retries and ejection', () => {
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'connect-error');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), 'connect-error');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), 'timeout');
  assert.equal(classifyError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })), 'reset');
  assert.equal(classifyError(new DOMException('aborted', 'AbortError')), 'cancelled');
});
