// The admin port against a real gateway: token enforced, loopback-only without a token, stats
// (HTML, JSON, Prometheus), runtime API with validation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, validateGatewayConfig, type Gateway } from '../gateway.js';
import { httpRequest, startTestBackend, type TestBackend } from '../test-backends.js';

describe('admin port', () => {
  let backend: TestBackend;
  let gw: Gateway;
  let admin: number;
  const auth = { authorization: 'Bearer s3cret' };

  before(async () => {
    backend = await startTestBackend('s1');
    gw = await startGateway({
      accessLog: false,
      admin: { listen: '127.0.0.1:0', token: 's3cret' },
      frontends: [{ name: 'web', listen: '127.0.0.1:0', backend: 'app' }],
      backends: [{ name: 'app', servers: [{ name: 's1', address: backend.address }, { name: 's2', address: '127.0.0.1:1' }] }],
    });
    admin = gw.ports().admin;
    for (let i = 0; i < 5; i++) await httpRequest(gw.ports().web, { path: '/x' });
  });
  after(async () => {
    await gw.stop(100);
    await backend.stop();
  });

  test('requires the bearer token (except /healthz)', async () => {
    assert.equal((await httpRequest(admin, { path: '/healthz' })).status, 200);
    for (const path of ['/stats', '/stats.json', '/metrics']) {
      assert.equal((await httpRequest(admin, { path })).status, 401, path);
      assert.equal((await httpRequest(admin, { path, headers: { authorization: 'Bearer wrong!' } })).status, 401, path);
    }
    const put = await httpRequest(admin, { path: '/backends/app/servers/s1', method: 'PUT', body: '{"state":"drain"}' });
    assert.equal(put.status, 401);
    assert.equal(gw.stats().backends[0].servers[0].admin, 'ready');
  });

  test('/stats.json has every backend and server with state, check, weight, counters and percentiles', async () => {
    const res = await httpRequest(admin, { path: '/stats.json', headers: auth });
    const stats = JSON.parse(res.body);
    assert.equal(stats.frontends[0].name, 'web');
    assert.equal(stats.frontends[0].requests, 5);
    assert.equal(stats.backends[0].engine, 'native');
    const server = stats.backends[0].servers.find((s: { name: string }) => s.name === 's1');
    for (const key of ['state', 'check', 'lastChange', 'weight', 'inFlight', 'requests', 'responses', 'retries', 'p50', 'p99']) assert.ok(key in server, key);
    assert.ok(server.requests >= 1);
    assert.ok(server.p99 > 0);
  });

  test('/stats is an HTML table and /metrics is Prometheus text', async () => {
    const html = await httpRequest(admin, { path: '/stats', headers: auth });
    assert.match(String(html.headers['content-type']), /text\/html/);
    assert.match(html.body, /<table>[\s\S]*s1[\s\S]*<\/table>/);
    const metrics = await httpRequest(admin, { path: '/metrics', headers: auth });
    assert.match(metrics.body, /# TYPE tiered_server_requests_total counter/);
    assert.match(metrics.body, /tiered_frontend_requests_total\{frontend="web"\} 5/);
  });

  test('PUT /backends/{b}/servers/{s} sets state and weight, and validates', async () => {
    const ok = await httpRequest(admin, { path: '/backends/app/servers/s2', method: 'PUT', headers: auth, body: '{"state":"maint","weight":7}' });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).state, 'MAINT');
    assert.equal(JSON.parse(ok.body).weight, 7);
    const bad = await httpRequest(admin, { path: '/backends/app/servers/s2', method: 'PUT', headers: auth, body: '{"state":"sleepy"}' });
    assert.equal(bad.status, 400);
    const unknown = await httpRequest(admin, { path: '/backends/app/servers/nope', method: 'PUT', headers: auth, body: '{"state":"drain"}' });
    assert.equal(unknown.status, 404);
    const noBackend = await httpRequest(admin, { path: '/backends/nope/servers/s1', method: 'PUT', headers: auth, body: '{"state":"drain"}' });
    assert.equal(noBackend.status, 404);
    assert.equal(JSON.parse(noBackend.body).error, 'no backend "nope"');
    const reload = await httpRequest(admin, { path: '/reload', method: 'POST', headers: auth });
    assert.equal(reload.status, 409, 'no config source in this test');
  });

  test('refuses to bind a non-loopback address without a token', async () => {
    const saved = process.env.TIERED_ADMIN_TOKEN;
    delete process.env.TIERED_ADMIN_TOKEN;
    try {
      await assert.rejects(
        startGateway({ accessLog: false, admin: { listen: '0.0.0.0:0' }, frontends: [], backends: [] }),
        (error: Error & { code?: string }) => error.code === 'TIERED_ERR_GATEWAY_ADMIN_EXPOSED',
      );
    } finally {
      if (saved !== undefined) process.env.TIERED_ADMIN_TOKEN = saved;
    }
  });
});

describe('POST /reload', () => {
  test('applies a good config, refuses a bad one with 400 and keeps serving', async () => {
    const one = await startTestBackend('one');
    const two = await startTestBackend('two');
    let next: unknown = { name: 'app', servers: [{ name: 'two', address: two.address }] };
    const config = (backend: unknown) => ({
      accessLog: false, admin: { listen: '127.0.0.1:0' },
      frontends: [{ name: 'web', listen: '127.0.0.1:0', backend: 'app' }], backends: [backend],
    });
    const gw = await startGateway(config({ name: 'app', servers: [{ name: 'one', address: one.address }] }), {
      reloadSource: () => validateGatewayConfig(config(next)),
    });
    try {
      const port = gw.ports().web;
      const admin = gw.ports().admin;
      assert.match((await httpRequest(port)).body, /^one /);
      assert.equal((await httpRequest(admin, { path: '/reload', method: 'POST' })).status, 200);
      assert.match((await httpRequest(port)).body, /^two /);
      next = { name: 'app', balance: 'fastest', servers: [] };
      const bad = await httpRequest(admin, { path: '/reload', method: 'POST' });
      assert.equal(bad.status, 400);
      assert.match(JSON.parse(bad.body).error, /gateway\.backends\[0\]\.balance/);
      assert.match((await httpRequest(port)).body, /^two /, 'still serving the last good config');
    } finally {
      await gw.stop(100);
      await one.stop();
      await two.stop();
    }
  });
});
