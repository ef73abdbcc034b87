import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestHead } from './request-head.js';
import { DEFAULT_IDLE_MS, idleTime, keepAliveHint } from '../upstream/upstream-connection.js';

test('request head: request line, headers in order and case, blank line', () => {
  assert.equal(requestHead('GET', '/a?b=1', ['Host', 'x.example', 'X-Y', 'z'], false, undefined),
    'GET /a?b=1 HTTP/1.1\r\nHost: x.example\r\nX-Y: z\r\n\r\n');
});

test('request head: a body without Content-Length goes chunked; a missing Host is the server\'s authority', () => {
  const head = requestHead('POST', '/', ['X-Y', 'z'], true, '127.0.0.1:3001');
  assert.equal(head, 'POST / HTTP/1.1\r\nhost: 127.0.0.1:3001\r\nX-Y: z\r\ntransfer-encoding: chunked\r\n\r\n');
});

test('idle time: the server\'s Keep-Alive timeout less a second, else the default', () => {
  assert.equal(keepAliveHint(['content-type', 'text/plain', 'Keep-Alive', 'timeout=60']), 'timeout=60');
  assert.equal(keepAliveHint(['content-type', 'text/plain']), undefined);
  assert.equal(idleTime('timeout=60'), 59_000);
  assert.equal(idleTime('max=100, timeout = 5'), 4_000);
  assert.equal(idleTime('timeout=1'), 0); // too short to reuse safely
  assert.equal(idleTime('max=5'), DEFAULT_IDLE_MS);
  assert.equal(idleTime(undefined), DEFAULT_IDLE_MS);
});
