// WebSocket upgrades through the gateway (balanced, health-aware, errors never crash the
// process) and TLS termination with cert/key files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { startGateway, type Gateway } from '../gateway.js';
import { startTestBackend, type TestBackend } from '../test-backends.js';

function echoServer(name: string): Promise<{ wss: WebSocketServer; port: number }> {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => {
      const address = wss.address();
      resolve({ wss, port: typeof address === 'object' && address ? address.port : 0 });
    });
    wss.on('connection', (socket, req) => {
      socket.on('message', (data) => socket.send(`${name}:${String(data)}:${req.headers['x-forwarded-for']}`));
    });
  });
}

function roundTrip(url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(text));
    ws.on('message', (data) => {
      resolve(String(data));
      ws.close();
    });
    ws.on('error', reject);
  });
}

describe('WebSocket upgrades', () => {
  let one: { wss: WebSocketServer; port: number };
  let two: { wss: WebSocketServer; port: number };
  let gw: Gateway;

  before(async () => {
    one = await echoServer('one');
    two = await echoServer('two');
    gw = await startGateway({
      accessLog: false,
      frontends: [{ name: 'ws', listen: '127.0.0.1:0', backend: 'ws' }],
      backends: [{
        name: 'ws', balance: 'roundrobin', check: { type: 'tcp', interval: '100ms', fall: 1, rise: 1 },
        servers: [{ name: 'one', address: `127.0.0.1:${one.port}` }, { name: 'two', address: `127.0.0.1:${two.port}` }],
      }],
    });
  });
  after(async () => {
    await gw.stop(100);
    one.wss.close();
    two.wss.close();
  });

  test('are proxied and balanced, with X-Forwarded-For set', async () => {
    const url = `ws://127.0.0.1:${gw.ports().ws}/chat`;
    const answers = [await roundTrip(url, 'hi'), await roundTrip(url, 'hi')].sort();
    assert.deepEqual(answers, ['one:hi:127.0.0.1', 'two:hi:127.0.0.1']);
  });

  test('a server dying mid-session closes the client side; the process survives; new sessions avoid it', async () => {
    const url = `ws://127.0.0.1:${gw.ports().ws}/chat`;
    const sockets = [new WebSocket(url), new WebSocket(url)];
    await Promise.all(sockets.map((ws) => new Promise((resolve) => ws.once('open', resolve))));
    const closed = sockets.map((ws) => new Promise((resolve) => ws.once('close', resolve)));
    for (const client of two.wss.clients) client.terminate();
    two.wss.close();
    await Promise.race([Promise.any(closed), new Promise((_, reject) => setTimeout(() => reject(new Error('no close')), 3000))]);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the tcp check marks "two" down
    for (let i = 0; i < 3; i++) assert.equal(await roundTrip(url, 'again'), 'one:again:127.0.0.1');
    for (const ws of sockets) ws.terminate();
  });
});

describe('TLS termination', () => {
  let dir: string;
  let backend: TestBackend;
  let gw: Gateway;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tiered-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    backend = await startTestBackend('app');
    gw = await startGateway({
      accessLog: false,
      frontends: [{ name: 'https', listen: '127.0.0.1:0', backend: 'app', tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } }],
      backends: [{ name: 'app', servers: [{ name: 'app', address: backend.address }] }],
    });
  });
  after(async () => {
    await gw.stop(100);
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves HTTPS with the configured certificate and tells the backend X-Forwarded-Proto: https', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: gw.ports().https, path: '/secure', rejectUnauthorized: false, servername: 'localhost' }, (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        assert.equal(cert.subject.CN, 'localhost');
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'app GET /secure');
    assert.equal(backend.lastHeaders['x-forwarded-proto'], 'https');
  });
});
