import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerObject, isHopByHop, isTrusted, requestIdFor, responseHeaders, trustedProxyList, upstreamRequestHead, validTraceparent, withoutConnectionOptions } from './headers.js';

/** The [name, value, …] list as an object with lowercase names (repeated ones joined): for assertions. */
const asObject = (list: string[]) => headerObject(list);
const upstream = (raw: string[], mode: 'reframed' | 'node' | 'upgrade' = 'reframed', trusted = false, client = '2.2.2.2', proto: 'http' | 'https' = 'http') =>
  upstreamRequestHead(raw, client, proto, trusted, mode);

test('upstream request head: hop-by-hop headers, Expect and those named by Connection are dropped; order and case kept', () => {
  const { headers } = upstream(['Host', 'a.example', 'Connection', 'close, X-A', 'X-A', '1', 'Keep-Alive', 'x', 'TE', 'trailers', 'Upgrade', 'h2c',
    'Proxy-Authorization', 'Basic x', 'Proxy-Connection', 'keep-alive', 'Proxy-Authenticate', 'Basic', 'Trailer', 'X-T',
    'Expect', '100-continue', 'Transfer-Encoding', 'chunked', 'X-B', '2', 'Accept', '*/*']);
  assert.deepEqual(headers.slice(0, 6), ['Host', 'a.example', 'X-B', '2', 'Accept', '*/*']);
  const h = asObject(headers);
  for (const gone of ['connection', 'x-a', 'keep-alive', 'te', 'upgrade', 'proxy-authorization', 'proxy-connection', 'proxy-authenticate', 'trailer', 'expect', 'transfer-encoding']) assert.equal(h[gone], undefined, gone);
});

test('upstream request head: Transfer-Encoding stays for node:http (it frames the body), Connection/Upgrade for an upgrade', () => {
  assert.equal(asObject(upstream(['Host', 'a', 'Transfer-Encoding', 'chunked'], 'node').headers)['transfer-encoding'], 'chunked');
  const h = asObject(upstream(['Host', 'a', 'Connection', 'Upgrade', 'Upgrade', 'websocket'], 'upgrade').headers);
  assert.equal(h.connection, 'Upgrade');
  assert.equal(h.upgrade, 'websocket');
});

test('upstream request head: a Connection header cannot strip framing, routing or tracing headers', () => {
  const h = asObject(upstream(['Host', 'a', 'Content-Length', '3', 'Connection', 'content-length, host, x-request-id, traceparent'], 'reframed').headers);
  assert.equal(h['content-length'], '3');
  assert.equal(h.host, 'a');
  assert.ok(h['x-request-id']);
  assert.ok(validTraceparent(h.traceparent));
});

test('upstream request head: forwarded headers replaced for untrusted clients, appended for trusted proxies', () => {
  const spoofed = ['Host', 'a.example', 'X-Forwarded-For', '1.1.1.1', 'X-Forwarded-Host', 'evil', 'Forwarded', 'for=1.1.1.1'];
  const h = asObject(upstream(spoofed, 'reframed', false, '2.2.2.2', 'https').headers);
  assert.equal(h['x-forwarded-for'], '2.2.2.2');
  assert.equal(h['x-forwarded-proto'], 'https');
  assert.equal(h['x-forwarded-host'], 'a.example');
  assert.equal(h.forwarded, 'for=2.2.2.2;proto=https;host="a.example"');
  const t = asObject(upstream(['Host', 'a.example', 'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '3.3.3.3', 'X-Forwarded-Proto', 'https'], 'reframed', true, '::1').headers);
  assert.equal(t['x-forwarded-for'], '1.1.1.1, 3.3.3.3, ::1');
  assert.equal(t['x-forwarded-proto'], 'https');
  assert.equal(t.forwarded, 'for="[::1]";proto=http;host="a.example"');
});

test('upstream request head: x-request-id kept when sane and single, else new; the id is returned', () => {
  const kept = upstream(['Host', 'a', 'X-Request-Id', 'abc-1']);
  assert.equal(kept.id, 'abc-1');
  assert.equal(asObject(kept.headers)['x-request-id'], 'abc-1');
  const twice = upstream(['Host', 'a', 'X-Request-Id', 'abc-1', 'x-request-id', 'abc-2']);
  assert.notEqual(twice.id, 'abc-1');
  assert.equal(asObject(twice.headers)['x-request-id'], twice.id);
});

test('upstream request head: a valid traceparent (and its tracestate) kept; a missing, invalid or repeated one replaced by a new root', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const h = asObject(upstream(['Host', 'a', 'traceparent', valid, 'tracestate', 'x=1']).headers);
  assert.equal(h.traceparent, valid);
  assert.equal(h.tracestate, 'x=1');
  for (const raw of [['Host', 'a'], ['Host', 'a', 'traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'tracestate', 'x=1'], ['Host', 'a', 'traceparent', valid, 'traceparent', valid]]) {
    const r = asObject(upstream(raw).headers);
    assert.ok(validTraceparent(r.traceparent), r.traceparent);
    assert.notEqual(r.traceparent, valid);
    assert.equal(r.tracestate, undefined);
  }
});

test('hop-by-hop names in any case; Connection options removed from a list', () => {
  for (const name of ['Connection', 'KEEP-ALIVE', 'te', 'Trailer', 'Upgrade', 'Proxy-Connection', 'Transfer-Encoding', 'proxy-authenticate', 'Proxy-Authorization']) assert.equal(isHopByHop(name), true, name);
  for (const name of ['Content-Length', 'Content-Type', 'tk', 'x-upgrade']) assert.equal(isHopByHop(name), false, name);
  const list = ['A', '1', 'X-Z', '2'];
  assert.equal(withoutConnectionOptions(list, 'keep-alive'), list);
  assert.deepEqual(withoutConnectionOptions(list, 'keep-alive, x-z'), ['A', '1']);
});

test('headerObject joins repeated headers as node:http does (Cookie with "; ")', () => {
  assert.deepEqual(headerObject(['Cookie', 'a=1', 'cookie', 'b=2', 'Accept', 'x', 'ACCEPT', 'y']), { cookie: 'a=1; b=2', accept: 'x, y' });
});

test('responseHeaders drops hop-by-hop response headers and those Connection names; reads Content-Length', () => {
  const out = responseHeaders(['Content-Type', 'text/plain', 'Connection', 'x-z', 'X-Z', '1', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Length', '12']);
  assert.deepEqual(out.headers, ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Length', '12']);
  assert.equal(out.contentLength, 12);
  assert.equal(responseHeaders(['Content-Type', 'text/plain']).contentLength, -1);
});

test('trusted proxies: addresses and CIDRs, v4 and v6', () => {
  const list = trustedProxyList(['10.0.0.0/8', '192.168.1.5', '::1']);
  assert.equal(isTrusted(list, '10.2.3.4'), true);
  assert.equal(isTrusted(list, '192.168.1.5'), true);
  assert.equal(isTrusted(list, '192.168.1.6'), false);
  assert.equal(isTrusted(list, '::1'), true);
  assert.equal(isTrusted(undefined, '10.2.3.4'), false);
});

test('request ids: sane ones are kept, others replaced', () => {
  assert.equal(requestIdFor('abc-1.2_3'), 'abc-1.2_3');
  assert.notEqual(requestIdFor('a b'), 'a b');
  assert.notEqual(requestIdFor('x'.repeat(300)), 'x'.repeat(300));
  assert.match(requestIdFor(undefined), /^[0-9a-f-]{36}$/);
});
