import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { mayRetry, requestHasBody } from './retry-policy.js';
import { takeToken, RateLimiter } from './rate-limit.js';
import { rejectReason } from './request-guard.js';
import { cookieValue, hashKey } from './affinity.js';

const q = (over: Partial<Parameters<typeof mayRetry>[0]>) => mayRetry({ method: 'GET', hasBody: false, failure: 'connect', retries: 0, maxRetries: 2, ...over });

test('retry policy: connect failures for any method, resets and 5xx only for idempotent, never with a body', () => {
  assert.equal(q({ method: 'POST', failure: 'connect' }), true);
  assert.equal(q({ method: 'POST', failure: 'status' }), false);
  assert.equal(q({ method: 'POST', failure: 'reset' }), false);
  assert.equal(q({ method: 'PUT', failure: 'status' }), true);
  assert.equal(q({ method: 'DELETE', failure: 'reset' }), true);
  assert.equal(q({ failure: 'timeout' }), false);
  assert.equal(q({ hasBody: true, failure: 'connect' }), false);
  assert.equal(q({ retries: 2 }), false);
  assert.equal(requestHasBody({ 'content-length': '0' }), false);
  assert.equal(requestHasBody({ 'content-length': '3' }), true);
  assert.equal(requestHasBody({ 'transfer-encoding': 'chunked' }), true);
});

test('token bucket: burst, then refusal with the wait, then refill', () => {
  let b: ReturnType<typeof takeToken>['bucket'] | undefined;
  for (let i = 0; i < 3; i++) {
    const r = takeToken(b, 0, 1, 3);
    assert.equal(r.allowed, true);
    b = r.bucket;
  }
  const refused = takeToken(b, 0, 1, 3);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterMs, 1000);
  assert.equal(takeToken(refused.bucket, 1000, 1, 3).allowed, true);
  let now = 0;
  const limiter = new RateLimiter(2, 2, () => now);
  assert.equal(limiter.check('a'), 0);
  assert.equal(limiter.check('a'), 0);
  assert.equal(limiter.check('a'), 1);
  assert.equal(limiter.check('b'), 0, 'per client');
  now = 600;
  assert.equal(limiter.check('a'), 0);
});

const req = (url: string, headers: Record<string, string> = { host: 'x' }) => ({ url, headers } as unknown as IncomingMessage);

test('request guard: smuggling shapes, bad targets and hosts are refused; absolute-form is reduced to a path', () => {
  assert.equal(rejectReason(req('/a')), undefined);
  assert.match(rejectReason(req('/a', { host: 'x', 'content-length': '1', 'transfer-encoding': 'chunked' }))!, /Content-Length together/);
  assert.match(rejectReason(req('/a', { host: 'x', 'transfer-encoding': 'gzip, chunked' }))!, /Transfer-Encoding/);
  assert.match(rejectReason(req('/a', { host: 'evil.com/x@y' }))!, /Host/);
  assert.match(rejectReason(req('/a', { host: 'x', 'content-length': '5, 5' }))!, /Content-Length/);
  assert.equal(rejectReason(req('/a', { host: 'x', 'content-length': '5' })), undefined);
  assert.match(rejectReason(req('*'))!, /target/);
  const absolute = req('http://169.254.169.254/latest?x=1');
  assert.equal(rejectReason(absolute), undefined);
  assert.equal(absolute.url, '/latest?x=1');
});

test('affinity: cookie values and hash keys', () => {
  assert.equal(cookieValue('a=1; SRV=s2; b=3', 'SRV'), 's2');
  assert.equal(cookieValue('a=1', 'SRV'), undefined);
  assert.equal(cookieValue('SRV=web%201', 'SRV'), 'web 1');
  // Regression (issue 16): a value that does not percent-decode threw URIError on the request path.
  assert.equal(cookieValue('TIERED_SRV=%E0%A4%A', 'TIERED_SRV'), '%E0%A4%A');
  assert.equal(cookieValue('TIERED_SRV=%', 'TIERED_SRV'), '%');
  const r = req('/p?q', { host: 'x', 'x-user': 'u1', cookie: 'sid=42' });
  assert.equal(hashKey(r, '1.2.3.4', undefined), '1.2.3.4');
  assert.equal(hashKey(r, '1.2.3.4', { on: 'uri' }), '/p?q');
  assert.equal(hashKey(r, '1.2.3.4', { on: 'header', name: 'X-User' }), 'u1');
  assert.equal(hashKey(r, '1.2.3.4', { on: 'cookie', name: 'sid' }), '42');
});
