// Regression tests for the admin port against hostile requests (found by admin.fuzz.test.ts):
// exact bytes over a real socket, then the same gateway still answers /stats.json.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startGateway, type Gateway } from '../gateway.js';

let gateway: Gateway;
before(async () => {
  gateway = await startGateway({
    accessLog: false,
    admin: { listen: '127.0.0.1:0', token: 's3cret' },
    backends: [{ name: 'app', servers: [{ name: 's1', address: '127.0.0.1:1' }] }],
    frontends: [{ name: 'web', listen: '127.0.0.1:0', backend: 'app' }],
  }, { accessLog: false });
});
after(() => gateway.stop(0));

/** Writes `request` as is and reads until the server closes: the status, or the error that ended it. */
function raw(request: string | Buffer): Promise<{ status?: number; text: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect(gateway.ports().admin, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ text, error: error.code }));
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, text });
    });
    socket.write(request);
  });
}

async function statsStillServed(): Promise<void> {
  const answer = await raw('GET /stats.json HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer s3cret\r\nConnection: close\r\n\r\n');
  assert.equal(answer.status, 200);
}

test('regression (fuzz): a CONNECT request gets a 405 instead of a dropped connection', async () => {
  const answer = await raw('CONNECT /backends//servers/?format=json HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
  assert.equal(answer.status, 405, answer.text || answer.error);
  await statsStillServed();
});

test('regression (fuzz): an Upgrade request gets a 400, and its socket does not hold up the admin close', async () => {
  const answer = await raw('GET /stats.json HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer s3cret\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.equal(answer.status, 400, answer.text || answer.error);
  await statsStillServed();
});

test('regression (fuzz): a request target that is no URL (http://[::1) is a 400, not a 500', async () => {
  const answer = await raw('GET http://[::1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer s3cret\r\nConnection: close\r\n\r\n');
  assert.equal(answer.status, 400, answer.text);
  await statsStillServed();
});

test('regression (fuzz): broken percent-encoding in a backend or server name is a 400, not a 500', async () => {
  const body = '{"state":"ready"}';
  const answer = await raw(`PUT /backends/%E0%A4%A/servers/s1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer s3cret\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.equal(answer.status, 400, answer.text);
  await statsStillServed();
});

test('regression (fuzz): a runtime-API body over 64 KB is a 413', async () => {
  const body = `{"state":"drain","pad":"${'x'.repeat(70_000)}"}`;
  const answer = await raw(`PUT /backends/app/servers/s1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer s3cret\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.equal(answer.status, 413, answer.text || answer.error);
  assert.equal(gateway.stats().backends[0].servers[0].admin, 'ready');
  await statsStillServed();
});
