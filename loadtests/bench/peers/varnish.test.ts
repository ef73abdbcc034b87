import { test } from 'node:test';
import assert from 'node:assert/strict';
import { varnishVcl } from './varnish.js';

test('varnishVcl: one backend per server in a round-robin director, extra VCL appended', () => {
  const vcl = varnishVcl({ servers: ['127.0.0.1:8001', '127.0.0.1:8002'], vcl: 'sub vcl_backend_response { set beresp.ttl = 60s; }' });
  assert.match(vcl, /^vcl 4\.1;/);
  assert.match(vcl, /backend b0 \{ \.host = "127\.0\.0\.1"; \.port = "8001"; \}/);
  assert.match(vcl, /backend b1 \{ \.host = "127\.0\.0\.1"; \.port = "8002"; \}/);
  assert.match(vcl, /pool\.add_backend\(b1\);/);
  assert.match(vcl, /set req\.backend_hint = pool\.backend\(\);/);
  assert.ok(vcl.trimEnd().endsWith('set beresp.ttl = 60s; }'));
});
