// Regression tests for the postgres check against hostile servers (found by
// postgres-probe.fuzz.test.ts): exact bytes from a fake server on a loopback port, then the
// same process probes a well-behaved fake server and gets a passing check.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { probePostgres, type PostgresLogin } from './postgres-probe.js';

const login: PostgresLogin = { user: 'postgres', database: 'postgres', timeoutMs: 300 };

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const int16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const AUTH_OK = message('R', int32(0));
const READY = message('Z', Buffer.from('I'));
const ROW_DESCRIPTION = message('T', Buffer.concat([int16(4), ...[['in_recovery', 16], ['lsn', 25], ['receive_lsn', 25], ['lag_seconds', 701]].map(([name, oid]) =>
  Buffer.concat([Buffer.from(`${name}\0`), int32(0), int16(0), int32(oid as number), int16(-1), int32(-1), int16(0)]))]));
const row = (values: (string | null)[]) => message('D', Buffer.concat([int16(values.length), ...values.map((v) =>
  v === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v)]))]));
const COMPLETE = message('C', Buffer.from('SELECT 1\0'));
const GOOD_ANSWER = Buffer.concat([ROW_DESCRIPTION, row(['t', '0/3000060', '0/3000060', '0']), COMPLETE, READY]);

interface Fake {
  address: string;
  server: Server;
  sockets: Set<Socket>;
}
const fakes: Fake[] = [];
after(async () => {
  for (const f of fakes) {
    for (const s of f.sockets) s.destroy();
    await new Promise((resolve) => f.server.close(resolve));
  }
});

/** A fake server: `startup` after the startup message, `query` after a Query; it never closes its side. */
async function fake(startup: Buffer, query?: Buffer, delayMs = 0): Promise<Fake> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let started = false;
    socket.on('data', (data: Buffer) => {
      if (!started) {
        started = true;
        setTimeout(() => socket.write(startup), delayMs);
      } else if (query && data[0] === 'Q'.charCodeAt(0)) {
        socket.write(query);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const f = { server, sockets, address: `127.0.0.1:${(server.address() as { port: number }).port}` };
  fakes.push(f);
  return f;
}

const clientSockets = (f: Fake) => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length - f.sockets.size;

async function until(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function stillProbesAHealthyServer(): Promise<void> {
  const good = await fake(Buffer.concat([AUTH_OK, READY]), GOOD_ANSWER);
  const probe = await probePostgres(good.address, login);
  assert.deepEqual(probe, { ok: true, inRecovery: true, lsn: 0x3000060n, receiveLsn: 0x3000060n, lagSeconds: 0 });
}

test('regression (fuzz): an unknown authentication type (R, 99) fails the check instead of throwing out of the socket listener', async () => {
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);
  process.on('uncaughtException', record);
  try {
    const f = await fake(message('R', int32(99)));
    const probe = await probePostgres(f.address, login);
    assert.equal(probe.ok, false);
    assert.match(!probe.ok ? probe.error : '', /Unknown authenticationOk message type 99/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(escaped, []);
  } finally {
    process.off('uncaughtException', record);
  }
  await stillProbesAHealthyServer();
});

test('guard: a server that never closes its side after the check leaves no socket open', async () => {
  const f = await fake(Buffer.concat([AUTH_OK, READY]), GOOD_ANSWER);
  const before = clientSockets(f);
  assert.equal((await probePostgres(f.address, login)).ok, true);
  await until('the check socket destroyed although the server keeps its side open', () => clientSockets(f) < before + 1 && f.sockets.size === 1);
  await stillProbesAHealthyServer();
});

test('regression (fuzz): a server slow in every phase cannot stretch the check past its timeout', async () => {
  // Logs in just before the connect timeout, then never answers the query: pg's per-phase
  // timeouts allowed 150 + 200 ms; connect, login and query share one timeout now.
  const f = await fake(Buffer.concat([AUTH_OK, READY]), undefined, 150);
  const started = performance.now();
  const probe = await probePostgres(f.address, { ...login, timeoutMs: 200 });
  assert.equal(probe.ok, false);
  assert.ok(performance.now() - started < 320, `took ${performance.now() - started} ms`);
  await stillProbesAHealthyServer();
});

test('regression (fuzz): an answer that is not one row of four columns with a boolean first fails the check', async () => {
  for (const answer of [
    Buffer.concat([ROW_DESCRIPTION, row(['maybe', '0/1', null, '0']), COMPLETE, READY]), // pg would read "maybe" as false
    Buffer.concat([ROW_DESCRIPTION, row(['f', '0/1']), COMPLETE, READY]), // two columns
    Buffer.concat([ROW_DESCRIPTION, row(['f', '0/1', null, 'Infinity']), COMPLETE, READY]),
    Buffer.concat([ROW_DESCRIPTION, COMPLETE, READY]), // no row
  ]) {
    const f = await fake(Buffer.concat([AUTH_OK, READY]), answer);
    const probe = await probePostgres(f.address, login);
    assert.equal(probe.ok, false, JSON.stringify(probe));
  }
  await stillProbesAHealthyServer();
});
