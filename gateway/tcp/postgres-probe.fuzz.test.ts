// Fuzz target: the postgres health check (`probePostgres`, `currentWalLsn`) against a fake
// server on a loopback port that answers with generated odd bytes: wrong message types, bad
// and huge lengths, truncated messages, ErrorResponse / NoticeResponse, authentication
// requests the check cannot meet, garbage, an early close or reset, or no answer at all, at
// start-up or in answer to the query. The probe must resolve (never throw, never hang past its
// timeout), give a failed check unless the answer was a well-formed row, and leave no socket
// behind even when the server never closes its side.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import fc from 'fast-check';
import { fuzz } from '../../sdk/testing/fuzz.js';
import { currentWalLsn, probePostgres, type PostgresLogin } from './postgres-probe.js';

const TIMEOUT_MS = 150;
/** The probe may overrun its timeout by this much (timers, event-loop turns on a busy machine). */
const SLACK_MS = 400;

function message(type: number, body: Buffer, length?: number): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeInt32BE(length ?? body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const int16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const cstr = (s: string) => Buffer.from(`${s}\0`, 'latin1');
const T = (c: string) => c.charCodeAt(0);

const authOk = message(T('R'), int32(0));
const ready = message(T('Z'), Buffer.from('I'));
const columns = ['in_recovery', 'lsn', 'receive_lsn', 'lag_seconds'];
const types = [16, 25, 25, 701]; // bool, text, text, float8
const rowDescription = message(T('T'), Buffer.concat([int16(4), ...columns.map((name, i) =>
  Buffer.concat([cstr(name), int32(0), int16(0), int32(types[i]), int16(-1), int32(-1), int16(0)]))]));
/** The values of every generated DataRow (to tell whether an answer could pass). */
const rowValues = new WeakMap<Buffer, (string | null)[]>();
function dataRow(values: (string | null)[]): Buffer {
  const row = dataRowBytes(values);
  rowValues.set(row, values);
  return row;
}
function dataRowBytes(values: (string | null)[]): Buffer {
  return message(T('D'), Buffer.concat([int16(values.length), ...values.map((v) =>
    v === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v)]))]));
}
const complete = message(T('C'), cstr('SELECT 1'));
const goodRow = [dataRow(['f', '0/3000060', null, '0']), complete, ready];

const errorFields = fc.array(fc.tuple(fc.constantFrom('S', 'V', 'C', 'M', 'D', 'X', '\0'), fc.oneof(fc.constantFrom('FATAL', 'ERROR', '28P01', '3D000', '57P03', '53300', ''), fc.string({ maxLength: 40 }))), { maxLength: 5 })
  .map((fields) => Buffer.concat([...fields.map(([k, v]) => Buffer.concat([Buffer.from(k, 'latin1'), cstr(v)])), Buffer.from([0])]));

/** One answer piece: a well-formed message, a message that lies, or bare bytes. */
const piece: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(authOk, ready, rowDescription, complete,
    message(T('R'), int32(3)), // cleartext password (the check has none)
    message(T('R'), Buffer.concat([int32(5), Buffer.from([1, 2, 3, 4])])), // md5
    message(T('R'), Buffer.concat([int32(10), cstr('SCRAM-SHA-256'), Buffer.from([0])])), // SASL
    message(T('R'), int32(11)), // SASL continue out of turn
    message(T('R'), int32(99)), // unknown auth
    message(T('S'), Buffer.concat([cstr('server_version'), cstr('16.0')])),
    message(T('K'), Buffer.concat([int32(1), int32(2)])),
    message(T('Z'), Buffer.from('X')),
    message(T('1'), Buffer.alloc(0)),
    message(T('n'), Buffer.alloc(0))),
  errorFields.map((body) => message(T('E'), body)),
  errorFields.map((body) => message(T('N'), body)),
  fc.array(fc.option(fc.oneof(fc.constantFrom('t', 'f', 'true', '', '0/0', 'zz/zz', 'NaN', '-1', '1e400', 'Infinity'), fc.string({ maxLength: 20 }))), { maxLength: 6 }).map(dataRow),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 }), fc.option(fc.oneof(fc.integer({ min: -10, max: 80 }), fc.constantFrom(0x7fffffff, -1, 0x40000000))))
    .map(([type, body, length]) => message(type, Buffer.from(body), length ?? undefined)),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.tuple(piece0(), fc.nat(30)).map(([m, cut]) => m.subarray(0, Math.min(cut, m.length - 1))), // truncated
);
function piece0(): fc.Arbitrary<Buffer> {
  return fc.constantFrom(authOk, ready, rowDescription, complete, ...goodRow);
}

type Ending = 'close' | 'reset' | 'hang';
const answer = fc.record({
  startup: fc.oneof(fc.constant([authOk, ready]).map((p) => [...p]), fc.array(piece, { maxLength: 5 }), fc.tuple(fc.array(piece, { maxLength: 2 })).map(([p]) => [authOk, ...p, ready])),
  /** Sent when the query arrives (undefined: the startup answer is all there is). */
  query: fc.option(fc.oneof(
    fc.array(piece, { maxLength: 5 }),
    fc.array(piece, { maxLength: 3 }).map((p) => [rowDescription, ...p]),
    fc.array(piece, { maxLength: 3 }).map((p) => [rowDescription, ...p, complete, ready]),
  )),
  split: fc.integer({ min: 1, max: 3 }),
  ending: fc.constantFrom<Ending>('close', 'reset', 'hang', 'hang'),
  which: fc.constantFrom('probe', 'probe', 'wal'),
});

interface Case {
  startup: Buffer[];
  query: Buffer[] | null;
  split: number;
  ending: Ending;
}

let server: Server;
let address: string;
let current: Case;
let baseline = 0;
const serverSockets = new Set<Socket>();
const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);

async function send(socket: Socket, pieces: Buffer[], split: number): Promise<void> {
  const bytes = Buffer.concat(pieces);
  const size = Math.ceil(bytes.length / split) || 1;
  for (let i = 0; i < bytes.length && !socket.destroyed; i += size) {
    socket.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

before(async () => {
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  // allowHalfOpen: a hostile server need not close when the check ends its side.
  server = createServer({ allowHalfOpen: true }, (socket) => {
    const c = current;
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
    socket.on('error', () => {});
    let received = Buffer.alloc(0);
    let phase: 'startup' | 'query' | 'done' = 'startup';
    const finish = () => {
      if (c.ending === 'close') socket.end();
      else if (c.ending === 'reset') socket.resetAndDestroy();
    };
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (phase === 'startup' && received.length >= 4 && received.length >= received.readInt32BE(0)) {
        received = received.subarray(received.readInt32BE(0));
        phase = 'query';
        void send(socket, c.startup, c.split).then(() => { if (!c.query) finish(); });
      }
      if (phase === 'query' && received.includes(T('Q')) && c.query) {
        phase = 'done';
        void send(socket, c.query, c.split).then(finish);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  baseline = clientSockets();
});

after(async () => {
  for (const s of serverSockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
});

/** Client-side sockets still open (every TCP socket of this process but the fake server's own). */
const clientSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length - serverSockets.size;

async function until(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const login: PostgresLogin = { user: 'postgres', database: 'postgres', timeoutMs: TIMEOUT_MS };

test('odd PostgreSQL answers give a failed check, within the timeout, and leave no socket', async () => {
  await fuzz('postgres-probe', fc.asyncProperty(answer, async (a) => {
    current = { startup: a.startup, query: a.query, split: a.split, ending: a.ending };
    // Could this answer pass? A RowDescription, then a row of four values with a boolean first
    // and a number (or null) last, somewhere in the answer (anything else must fail the check).
    const all = [...a.startup, ...(a.query ?? [])];
    const wellFormed = all.includes(rowDescription) && all.some((m) => {
      const v = rowValues.get(m);
      return v !== undefined && v.length === 4 && (v[0] === 't' || v[0] === 'f') && Number.isFinite(Number(v[3] ?? 0));
    });
    const started = performance.now();
    if (a.which === 'wal') {
      const lsn = await currentWalLsn(address, login);
      if (!wellFormed) assert.equal(lsn, undefined);
    } else {
      const probe = await probePostgres(address, login);
      if (!wellFormed) assert.equal(probe.ok, false, `ok from ${JSON.stringify(probe)}`);
      if (probe.ok) {
        assert.equal(typeof probe.inRecovery, 'boolean');
        assert.ok(Number.isFinite(probe.lagSeconds) && probe.lagSeconds >= 0);
      } else {
        assert.equal(typeof probe.error, 'string');
      }
    }
    const took = performance.now() - started;
    assert.ok(took < TIMEOUT_MS + SLACK_MS, `the probe took ${Math.round(took)} ms (timeout ${TIMEOUT_MS})`);
    await until('the check closed its socket', () => clientSockets() <= baseline);
    for (const s of serverSockets) s.destroy();
    await until('the fake server closed its sockets', () => serverSockets.size === 0);
    assert.deepEqual(escaped, []);
  }));
});

test('the well-formed answer of the fake server is a passing probe (the fuzz target can tell)', async () => {
  current = { startup: [authOk, ready], query: [rowDescription, ...goodRow], split: 1, ending: 'hang' };
  const probe = await probePostgres(address, login);
  assert.deepEqual(probe, { ok: true, inRecovery: false, lsn: 0x3000060n, receiveLsn: undefined, lagSeconds: 0 });
  await until('the check closed its socket', () => clientSockets() <= baseline);
  for (const s of serverSockets) s.destroy();
});
