// Fuzz target: the HTTP frontend as the internet sees it. One `tiered gateway` process (as users
// run it) with every feature that reads request data switched on: sticky cookie, hash on cookie /
// header / URI / source, rate limit, trusted proxies (X-Forwarded-For, Forwarded), request ids,
// traceparent passed on, Expect, WebSocket upgrade, TLS; on both listeners (native, node:http) and
// all three engines. fast-check generates requests from valid parts and hostile ones (request line,
// method, target, version, header names, values, counts and sizes, chunked framing, pipelining),
// delivered in random pieces (slow bytes) and ended by a half-close, a reset or nothing.
// Property: every answer is well-formed and never a 500 (a fault inside the gateway), the same
// process still serves a normal request afterwards, and when the fuzzing stops no client
// connection is left open in the gateway. See sdk/testing/fuzz.ts for the long form and replay.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { fuzz } from '../../sdk/testing/fuzz.js';
import { httpRequest, startTestBackend, type TestBackend } from '../test-backends.js';
import { configFolder, startGatewayCli, type GatewayProcess } from '../test-process.js';

/** name → whether it is TLS. */
const FRONTENDS: Record<string, boolean> = { sticky: false, hashcookie: false, hashheader: false, hashuri: false, source: false, tls: false };
FRONTENDS.tls = true;
const NAMES = Object.keys(FRONTENDS);

// ---- generators ----------------------------------------------------------------------------
const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
const junk = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const method = fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PRI'), token, junk);
const target = fc.oneof(
  fc.constantFrom('/', '/a?b=c', '*', 'http://x/abs', 'https://[::1]:1/p', 'example.com:443', '/%', '/%E0%A4%A', '//double', '/../../etc/passwd'),
  fc.webPath(), junk.map((j) => `/${j}`),
);
const version = fc.oneof(fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1.10'), junk);
const headerName = fc.oneof(
  fc.constantFrom('Host', 'Cookie', 'Content-Length', 'Transfer-Encoding', 'Expect', 'Upgrade', 'Connection', 'X-Forwarded-For',
    'Forwarded', 'X-Forwarded-Proto', 'traceparent', 'tracestate', 'X-Request-Id', 'X-User', 'Keep-Alive', 'TE', 'Trailer', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version'),
  token, junk,
);
const headerValue = fc.oneof(
  fc.constantFrom('x', 'chunked', 'gzip, chunked', 'chunked, identity', '100-continue', 'websocket', 'Upgrade', 'keep-alive', 'close', '0', '5', '-1',
    '18446744073709551616', '5, 5', '5, 6', 'TIERED_SRV=a', 'TIERED_SRV=%E0%A4%A', 'TIERED_SRV=%', 'u1', '1.2.3.4, 10.0.0.1', 'for=192.0.2.60;proto=http;by=203.0.113.43',
    'for="[2001:db8::1]:80"', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', '00-zz-b7-01', 'dGhlIHNhbXBsZSBub25jZQ==', '13'),
  junk, fc.string({ maxLength: 20 }),
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'v'.repeat(n)),
);
const header = fc.tuple(headerName, headerValue);
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 30 }).map((s) => ({ cl: s })),
  fc.array(fc.oneof(
    fc.string({ maxLength: 12 }).map((s) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`),
    fc.constantFrom('ffffffffffffffffff\r\n', 'zz\r\n', '5\r\nhelloXX', '-1\r\n', '5;ext=1\r\nhello\r\n', '0\r\nTrailer: x\r\n\r\n', '0\r\n\r\n', '\r\n'),
    junk,
  ), { maxLength: 4 }).map((parts) => ({ chunks: parts.join('') })),
);

interface Message { method: string; target: string; version: string; host: boolean; headers: [string, string][]; body: string | { cl: string } | { chunks: string } }
const message: fc.Arbitrary<Message> = fc.record({ method, target, version, host: fc.boolean(), headers: fc.array(header, { maxLength: 8 }), body });

function encode(m: Message): Buffer {
  const lines = [`${m.method} ${m.target} ${m.version}`];
  if (m.host) lines.push('Host: fuzz');
  for (const [n, v] of m.headers) lines.push(`${n}: ${v}`);
  let tail = '';
  if (typeof m.body === 'object' && 'cl' in m.body) {
    lines.push(`Content-Length: ${Buffer.byteLength(m.body.cl)}`);
    tail = m.body.cl;
  } else if (typeof m.body === 'object') {
    lines.push('Transfer-Encoding: chunked');
    tail = m.body.chunks;
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${tail}`, 'latin1');
}

/** Shapes that reach the rarer paths: WebSocket upgrades (then frame-like bytes), Expect, HTTP/1.0 keep-alive. */
const shaped: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(fc.constantFrom('websocket', 'WebSocket', 'h2c', 'foo, websocket', ''), fc.constantFrom('Upgrade', 'keep-alive, Upgrade', 'upgrade'), fc.boolean(), fc.uint8Array({ maxLength: 64 }))
    .map(([proto, connection, key, tail]) => Buffer.concat([Buffer.from(`GET /ws HTTP/1.1\r\nHost: fuzz\r\nUpgrade: ${proto}\r\nConnection: ${connection}\r\n${key ? 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' : ''}\r\n`, 'latin1'), Buffer.from(tail)])),
  fc.tuple(fc.constantFrom('100-continue', '100-Continue', 'x', ''), fc.constantFrom('1.1', '1.0'), fc.string({ maxLength: 20 }))
    .map(([expect, v, b]) => Buffer.from(`POST /e HTTP/${v}\r\nHost: fuzz\r\nExpect: ${expect}\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`, 'latin1')),
  fc.constant(Buffer.from('GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /k2 HTTP/1.0\r\n\r\n', 'latin1')),
);

const testCase = fc.record({
  frontend: fc.constantFrom(...NAMES),
  messages: fc.array(fc.oneof(
    { weight: 5, arbitrary: message.map(encode) },
    { weight: 1, arbitrary: shaped },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  ), { minLength: 1, maxLength: 3 }),
  /** Cut points: the bytes go out in pieces, with a pause between some. */
  pieces: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 4 }),
  pauseMs: fc.constantFrom(0, 0, 5, 30),
  ending: fc.constantFrom('wait', 'half-close', 'reset'),
});

// ---- the run ---------------------------------------------------------------------------------
/** Statuses the gateway or a backend may give a hostile request; a 500 is a fault inside the gateway. */
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3}) /;

describe('fuzz: HTTP frontend (both listeners, three engines, every request-reading feature)', () => {
  let a: TestBackend;
  let b: TestBackend;
  let gw: GatewayProcess;
  const folder = configFolder();

  before(async () => {
    a = await startTestBackend('a');
    b = await startTestBackend('b');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', folder.write('key.pem', ''), '-out', folder.write('cert.pem', '')], { stdio: 'ignore' });
    const keyFile = folder.write('probe', '').replace(/probe$/, 'key.pem');
    const certFile = keyFile.replace(/key\.pem$/, 'cert.pem');
    const servers = `[{ name: a, address: "${a.address}" }, { name: b, address: "${b.address}" }]`;
    const file = folder.write('fuzz.yaml', [
      'gateway:',
      '  accessLog: false',
      '  admin: { listen: "127.0.0.1:0" }',
      '  frontends:',
      '    - { name: sticky, listen: "127.0.0.1:0", backend: sticky, trustedProxies: ["127.0.0.1/8", "::1"], rateLimit: { rate: 100000, burst: 100000 }, timeouts: { headers: 2s, request: 3s, client: 2s } }',
      '    - { name: hashcookie, listen: "127.0.0.1:0", backend: hashcookie, timeouts: { headers: 2s, request: 3s, client: 2s } }',
      '    - { name: hashheader, listen: "127.0.0.1:0", backend: hashheader, trustedProxies: ["127.0.0.1"], timeouts: { headers: 2s, request: 3s, client: 2s } }',
      '    - { name: hashuri, listen: "127.0.0.1:0", backend: hashuri, server: node, timeouts: { headers: 2s, request: 3s, client: 2s } }',
      '    - { name: source, listen: "127.0.0.1:0", backend: source, timeouts: { headers: 2s, request: 3s, client: 2s } }',
      `    - { name: tls, listen: "127.0.0.1:0", backend: sticky, tls: { cert: "${certFile}", key: "${keyFile}" }, timeouts: { headers: 2s, request: 3s, client: 2s } }`,
      '  backends:',
      `    - { name: sticky, engine: native, sticky: { cookie: TIERED_SRV }, servers: ${servers} }`,
      `    - { name: hashcookie, engine: undici, balance: hash, hash: { on: cookie, name: TIERED_SRV }, servers: ${servers} }`,
      `    - { name: hashheader, engine: http-proxy-3, balance: hash, hash: { on: header, name: X-User }, servers: ${servers} }`,
      `    - { name: hashuri, engine: native, balance: hash, hash: { on: uri }, servers: ${servers} }`,
      `    - { name: source, engine: undici, balance: hash, hash: { on: source }, servers: ${servers} }`,
      '',
    ].join('\n'));
    gw = await startGatewayCli(['-c', file], [...NAMES, 'admin']);
  });

  after(async () => {
    await gw?.stop();
    await a?.stop();
    await b?.stop();
    folder.remove();
  });

  /** The client socket, and the TCP socket under it (what a reset resets). */
  function open(name: string): { socket: Socket; tcp: Socket } {
    const tcp = netConnect({ host: '127.0.0.1', port: gw.ports[name] });
    if (!FRONTENDS[name]) return { socket: tcp, tcp };
    tcp.on('error', () => {});
    return { socket: tlsConnect({ socket: tcp, rejectUnauthorized: false }), tcp };
  }

  /** Sends one case; resolves with what came back once the connection closed (or was given up on). */
  async function send(c: { frontend: string; messages: Buffer[]; pieces: number[]; pauseMs: number; ending: string }): Promise<string> {
    const { socket, tcp } = open(c.frontend);
    let received = '';
    let closed = false;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => {});
    const done = new Promise<void>((resolve) => socket.on('close', () => {
      closed = true;
      resolve();
    }));
    const bytes = Buffer.concat(c.messages);
    let at = 0;
    for (const size of c.pieces) {
      if (at >= bytes.length || closed) break;
      socket.write(bytes.subarray(at, at + size));
      at += size;
      if (c.pauseMs) await sleep(c.pauseMs);
    }
    if (!closed && at < bytes.length) socket.write(bytes.subarray(at));
    if (c.ending === 'half-close') socket.end();
    else if (c.ending === 'reset') {
      await sleep(5);
      tcp.resetAndDestroy();
    }
    await Promise.race([done, sleep(150)]);
    socket.destroy();
    tcp.destroy();
    return received;
  }

  test('no generated request makes a 500, ends the process or leaks a connection', async () => {
    const cases = await fuzz('gateway http frontend', fc.asyncProperty(testCase, async (c) => {
      const received = await send(c);
      for (const line of received.split('\r\n')) {
        const m = STATUS_LINE.exec(line);
        if (m) assert.notEqual(m[1], '500', `a fault inside the gateway: ${JSON.stringify(received.slice(0, 400))}`);
      }
      assert.ok(gw.alive(), `the gateway process died:\n${gw.output().slice(-3000)}`);
      const res = await httpRequest(gw.ports.sticky, { path: '/alive' });
      assert.equal(res.status, 200);
    }), { short: 8 });
    assert.ok(cases > 0);
    // Every frontend still serves, and no client connection is left open once the clients left.
    for (const name of NAMES.filter((n) => !FRONTENDS[n])) assert.equal((await httpRequest(gw.ports[name], { path: '/end' })).status, 200, name);
    const start = Date.now();
    for (;;) {
      const stats = JSON.parse((await httpRequest(gw.ports.admin, { path: '/stats.json' })).body) as { frontends: { name: string; connections?: number }[] };
      const open = stats.frontends.filter((f) => (f.connections ?? 0) > 0);
      if (open.length === 0) break;
      assert.ok(Date.now() - start < 8000, `connections left open: ${JSON.stringify(open.map((f) => [f.name, f.connections]))}`);
      await sleep(100);
    }
    assert.doesNotMatch(gw.output(), /request (path )?failed|worker died/);
  });
});
