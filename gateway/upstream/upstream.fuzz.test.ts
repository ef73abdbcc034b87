// Fuzz target: backend responses as each upstream engine sees them (native, undici, http-proxy-3).
// A raw TCP "server" answers every request with the bytes fast-check generates: status lines,
// 1xx interim responses, headers (framing, Keep-Alive hints, many and huge), bodies (chunked,
// short, long) and endings (close, reset, silence). The gateway runs as users run it.
// Property: the client gets an answer or a closed connection, never a fault inside the gateway
// (no 500 of its own, no "request failed inside the gateway" in its log), and the same process
// goes on serving a normal response on the same engine. See sdk/testing/fuzz.ts for replay.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { fuzz } from '../../sdk/testing/fuzz.js';
import { httpRequest } from '../test-backends.js';
import { configFolder, startGatewayCli, type GatewayProcess } from '../test-process.js';

const ENGINES = ['native', 'undici', 'http-proxy-3'] as const;
const GOOD = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok';

// ---- generators ----------------------------------------------------------------------------
const junk = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const statusLine = fc.oneof(
  fc.tuple(fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/1.1 ', 'HTTP/9.9', 'http/1.1'), fc.oneof(fc.constantFrom(200, 204, 301, 304, 404, 500, 502, 503, 504, 101, 100, 103, 199, 999, 0), fc.integer({ min: 0, max: 1200 })), fc.oneof(fc.constantFrom('OK', '', 'Reason With Spaces'), junk))
    .map(([v, s, r]) => `${v} ${s} ${r}`),
  junk,
);
const header = fc.oneof(
  fc.constantFrom('Content-Length: 5', 'Content-Length: 0', 'Content-Length: -1', 'Content-Length: 5, 6', 'Content-Length: 99999999999999999999',
    'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked, chunked', 'Connection: close', 'Connection: keep-alive, Upgrade',
    'Keep-Alive: timeout=abc', 'Keep-Alive: timeout=0', 'Keep-Alive: timeout=99999999999', 'Keep-Alive: max=1, timeout=1', 'Upgrade: websocket',
    'Set-Cookie: a=b', 'Link: </a.css>; rel=preload', 'Content-Type: text/plain', 'X-Request-Id: evil\u0000', 'Trailer: X', 'Date: nope'),
  fc.tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,10}$/), fc.oneof(junk, fc.integer({ min: 1, max: 20_000 }).map((n) => 'v'.repeat(n)))).map(([n, v]) => `${n}: ${v}`),
  junk,
);
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 40 }),
  fc.array(fc.oneof(fc.string({ maxLength: 10 }).map((s) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`), fc.constantFrom('0\r\n\r\n', 'zz\r\n', 'ffffffffffffffffff\r\n', '5\r\nab')), { maxLength: 4 }).map((p) => p.join('')),
);
const response = fc.record({ status: statusLine, headers: fc.array(header, { maxLength: 8 }), body })
  .map((r) => `${r.status}\r\n${r.headers.map((h) => `${h}\r\n`).join('')}\r\n${r.body}`);
const testCase = fc.record({
  engine: fc.constantFrom(...ENGINES),
  /** Interim responses (1xx) before the final one, or none. */
  parts: fc.array(fc.oneof({ weight: 4, arbitrary: response }, { weight: 1, arbitrary: junk }), { minLength: 1, maxLength: 3 }),
  ending: fc.constantFrom('keep', 'close', 'reset', 'close-midway'),
  method: fc.constantFrom('GET', 'HEAD', 'POST'),
});

// ---- the raw server --------------------------------------------------------------------------
interface Mode { bytes: string; ending: string }

describe('fuzz: backend responses through each upstream engine', () => {
  let server: Server;
  let serverPort = 0;
  let mode: Mode = { bytes: GOOD, ending: 'keep' };
  const sockets = new Set<Socket>();
  let gw: GatewayProcess;
  const folder = configFolder();

  before(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      let head = '';
      socket.on('data', (d: Buffer) => {
        head += d.toString('latin1');
        // answer each request head once it is in (bodies are small and ignored)
        while (head.includes('\r\n\r\n')) {
          head = head.slice(head.indexOf('\r\n\r\n') + 4);
          const { bytes, ending } = mode;
          if (ending === 'close-midway') {
            socket.end(bytes.slice(0, Math.max(1, bytes.length >> 1)));
            return;
          }
          socket.write(bytes);
          if (ending === 'close') socket.end();
          else if (ending === 'reset') socket.resetAndDestroy();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverPort = (server.address() as { port: number }).port;
    const file = folder.write('upstream.yaml', [
      'gateway:',
      '  accessLog: false',
      '  admin: { listen: "127.0.0.1:0" }',
      '  frontends:',
      ...ENGINES.map((e) => `    - { name: ${e}, listen: "127.0.0.1:0", backend: ${e} }`),
      '  backends:',
      ...ENGINES.map((e) => `    - { name: ${e}, engine: ${e}, retries: { attempts: 0 }, timeouts: { connect: 1s, server: 400ms }, servers: [{ name: raw, address: "127.0.0.1:${serverPort}" }] }`),
      '',
    ].join('\n'));
    gw = await startGatewayCli(['-c', file], [...ENGINES, 'admin']);
  });

  after(async () => {
    await gw?.stop();
    for (const s of sockets) s.destroy();
    server?.close();
    folder.remove();
  });

  /** One request through `engine`; what came back by the time the connection closed or went quiet. */
  async function exchange(engine: string, method: string): Promise<string> {
    const socket = connect({ host: '127.0.0.1', port: gw.ports[engine] });
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(method === 'POST'
      ? 'POST /f HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 3\r\n\r\nabc'
      : `${method} /f HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n`);
    await Promise.race([closed, sleep(900)]);
    socket.destroy();
    return received;
  }

  test('no generated response makes a fault inside the gateway or ends the process', async () => {
    const cases = await fuzz('gateway upstream responses', fc.asyncProperty(testCase, async (c) => {
      mode = { bytes: c.parts.join(''), ending: c.ending };
      const received = await exchange(c.engine, c.method);
      mode = { bytes: GOOD, ending: 'keep' };
      assert.ok(gw.alive(), `the gateway process died:\n${gw.output().slice(-3000)}`);
      assert.doesNotMatch(gw.output(), /request (path )?failed|inside the gateway|worker died/, `a fault inside the gateway; the client got ${JSON.stringify(received.slice(0, 300))}`);
      // The same engine goes on serving (a stale pooled connection may cost one retry-free 502).
      let res = await httpRequest(gw.ports[c.engine], { path: '/good' });
      if (res.status !== 200) res = await httpRequest(gw.ports[c.engine], { path: '/good' });
      assert.equal(res.status, 200, `${c.engine} serves a good response afterwards: ${res.status} ${res.body}`);
    }), { short: 8 });
    assert.ok(cases > 0);
  });
});
