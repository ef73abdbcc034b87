// Regression tests for inputs that once ended a gateway process (issue 16), each sent as exact
// bytes over a real socket to `tiered gateway` running as users run it; after each, the same
// process must still answer a normal request on every frontend (both listeners, all three
// engines, sticky cookie and hash-on-cookie affinity).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpRequest, rawExchange, startTestBackend, type TestBackend } from '../test-backends.js';
import { configFolder, startGatewayCli, type GatewayProcess } from '../test-process.js';

const FRONTENDS = ['sticky', 'hashcookie', 'node'] as const;

describe('hostile input never ends the gateway process', () => {
  let a: TestBackend;
  let b: TestBackend;
  let gw: GatewayProcess;
  const folder = configFolder();

  before(async () => {
    a = await startTestBackend('a');
    b = await startTestBackend('b');
    const servers = `[{ name: a, address: "${a.address}" }, { name: b, address: "${b.address}" }]`;
    const file = folder.write('hostile.yaml', [
      'gateway:',
      '  accessLog: false',
      '  admin: { listen: "127.0.0.1:0" }',
      '  frontends:',
      '    - { name: sticky, listen: "127.0.0.1:0", backend: sticky }',
      '    - { name: hashcookie, listen: "127.0.0.1:0", backend: hashcookie }',
      '    - { name: node, listen: "127.0.0.1:0", backend: node }',
      '  backends:',
      `    - { name: sticky, engine: native, sticky: { cookie: TIERED_SRV }, servers: ${servers} }`,
      `    - { name: hashcookie, engine: undici, balance: hash, hash: { on: cookie, name: TIERED_SRV }, servers: ${servers} }`,
      `    - { name: node, engine: http-proxy-3, sticky: { cookie: TIERED_SRV }, servers: ${servers} }`,
      '',
    ].join('\n'));
    gw = await startGatewayCli(['-c', file], [...FRONTENDS, 'admin']);
  });

  after(async () => {
    await gw?.stop();
    await a?.stop();
    await b?.stop();
    folder.remove();
  });

  /** Every frontend of the same process still answers a normal request. */
  async function assertServing(): Promise<void> {
    for (const name of FRONTENDS) {
      const res = await httpRequest(gw.ports[name], { path: '/after' });
      assert.equal(res.status, 200, `${name} answers after the hostile input`);
    }
    assert.ok(gw.alive(), 'the gateway process is alive');
    assert.doesNotMatch(gw.output(), /worker died|uncaught|URIError/i);
  }

  test('a sticky cookie that does not percent-decode (URIError) is taken as sent', async () => {
    for (const name of FRONTENDS) {
      const res = await httpRequest(gw.ports[name], { path: '/c', headers: { cookie: 'TIERED_SRV=%E0%A4%A' } });
      assert.equal(res.status, 200, name);
    }
    await assertServing();
  });

  const chunked = (body: string) => `POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;

  for (const [label, bytes] of [
    ['a chunk size that overflows (HPE_INVALID_CHUNK_SIZE)', chunked('ffffffffffffffffff\r\n')],
    ['a chunk size that is not hex', chunked('zz\r\nhello\r\n0\r\n\r\n')],
    ['a chunk without its CRLF (HPE_STRICT / INVALID_TRANSFER_ENCODING)', chunked('5\r\nhelloXX0\r\n\r\n')],
    ['a bad chunk after a good one', chunked('5\r\nhello\r\n-1\r\n')],
  ] as const) {
    test(`${label}: 400, the connection closes`, async () => {
      for (const name of FRONTENDS) {
        const answer = await rawExchange(gw.ports[name], bytes);
        assert.match(answer, /^HTTP\/1\.1 400 /, `${name}: ${JSON.stringify(answer.slice(0, 200))}`);
      }
      await assertServing();
    });
  }

  test('a chunked body cut by the client half-closing (HPE_INVALID_EOF_STATE)', async () => {
    for (const name of FRONTENDS) {
      const socket = connect({ host: '127.0.0.1', port: gw.ports[name] });
      socket.on('error', () => {});
      let closed = false;
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.on('close', () => (closed = true));
      socket.write(chunked('5\r\nhel'));
      await sleep(50); // the head is being proxied; then the client ends its side mid-chunk
      socket.end();
      for (let i = 0; i < 300 && !closed; i++) await sleep(10);
      assert.ok(closed, `${name}: the gateway closed the connection; received ${JSON.stringify(received)}`);
    }
    await assertServing();
  });

  test('a chunked body reset by the client mid-chunk', async () => {
    for (const name of FRONTENDS) {
      const socket = connect({ host: '127.0.0.1', port: gw.ports[name] });
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(chunked('a\r\n01234'));
      await sleep(30);
      socket.resetAndDestroy();
    }
    await assertServing();
  });

  test('the 400s are counted as client errors of their frontend', async () => {
    const stats = JSON.parse((await httpRequest(gw.ports.admin, { path: '/stats.json' })).body) as { frontends: { name: string; responses?: Record<string, number> }[] };
    for (const name of FRONTENDS) {
      const f = stats.frontends.find((x) => x.name === name);
      assert.ok(f, name);
      assert.ok(JSON.stringify(f).includes('4xx'), `${name}: ${JSON.stringify(f).slice(0, 300)}`);
    }
  });
});
