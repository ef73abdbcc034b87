import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTraceparent, isTrusted, requestIdFor, responseHeaders, setForwardedHeaders, stripRequestHopByHop, trustedProxyList } from './headers.js';

test('stripRequestHopByHop removes hop-by-hop headers and those named by Connection, keeps framing', () => {
  const h: Record<string, string> = { connection: 'close, x-a', 'x-a': '1', 'keep-alive': 'x', te: 'trailers', upgrade: 'h2c', 'transfer-encoding': 'chunked', 'x-b': '2' };
  stripRequestHopByHop(h);
  assert.deepEqual(h, { 'transfer-encoding': 'chunked', 'x-b': '2' });
});

test('stripRequestHopByHop keeps Connection/Upgrade for an upgrade', () => {
  const h: Record<string, string> = { connection: 'Upgrade', upgrade: 'websocket' };
  stripRequestHopByHop(h, true);
  assert.deepEqual(h, { connection: 'Upgrade', upgrade: 'websocket' });
});

test('responseHeaders drops hop-by-hop response headers', () => {
  const out = responseHeaders(['Content-Type', 'text/plain', 'Connection', 'x-z', 'X-Z', '1', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'], 'x-z');
  assert.deepEqual(out, ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
});

test('trusted proxies: addresses and CIDRs, v4 and v6', () => {
  const list = trustedProxyList(['10.0.0.0/8', '192.168.1.5', '::1']);
  assert.equal(isTrusted(list, '10.2.3.4'), true);
  assert.equal(isTrusted(list, '192.168.1.5'), true);
  assert.equal(isTrusted(list, '192.168.1.6'), false);
  assert.equal(isTrusted(list, '::1'), true);
  assert.equal(isTrusted(undefined, '10.2.3.4'), false);
});

test('forwarded headers: replaced for untrusted clients, appended for trusted proxies', () => {
  const h: Record<string, string> = { host: 'a.example', 'x-forwarded-for': '1.1.1.1', forwarded: 'for=1.1.1.1' };
  setForwardedHeaders(h, '2.2.2.2', 'https', false);
  assert.equal(h['x-forwarded-for'], '2.2.2.2');
  assert.equal(h.forwarded, 'for=2.2.2.2;proto=https;host="a.example"');
  const t: Record<string, string> = { host: 'a.example', 'x-forwarded-for': '1.1.1.1', 'x-forwarded-proto': 'https' };
  setForwardedHeaders(t, '::1', 'http', true);
  assert.equal(t['x-forwarded-for'], '1.1.1.1, ::1');
  assert.equal(t['x-forwarded-proto'], 'https');
  assert.equal(t.forwarded, 'for="[::1]";proto=http;host="a.example"');
});

test('request ids: sane ones are kept, others replaced', () => {
  assert.equal(requestIdFor('abc-1.2_3'), 'abc-1.2_3');
  assert.notEqual(requestIdFor('a b'), 'a b');
  assert.notEqual(requestIdFor('x'.repeat(300)), 'x'.repeat(300));
  assert.match(requestIdFor(undefined), /^[0-9a-f-]{36}$/);
});

test('traceparent: a valid one is kept; a missing or invalid one is replaced by a new root', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const h: Record<string, string> = { traceparent: valid };
  assert.equal(ensureTraceparent(h), '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(h.traceparent, valid);
  const bad: Record<string, string> = { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01', tracestate: 'x=1' };
  ensureTraceparent(bad);
  assert.match(bad.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.notEqual(bad.traceparent.slice(3, 35), '0'.repeat(32));
  assert.equal(bad.tracestate, undefined);
});
