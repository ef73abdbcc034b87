// The DB read and write ports against a real PostgreSQL primary + streaming replica.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import pino from 'pino';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { startTcpGateway } from './test-gateway.js';
import type { Gateway as TcpGateway } from '../gateway.js';
import { defaultDbPorts } from './defaults.js';

// Short intervals keep the file fast; a generous timeout keeps a busy CI machine from failing checks.
const CHECK = { interval: '200ms', rise: 2, fall: 2, timeout: '5s' };

let stack: TestStack;
let gateway: TcpGateway;
const logLines: string[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });

function portOf(frontend: string): number {
  return gateway.ports()[frontend];
}

async function client(port: number): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Runs one query on a fresh connection through the port; closes it. */
async function once<T = any>(port: number, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = await client(port);
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end().catch(() => {});
  }
}

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(condition).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

const serverStatus = (backend: string, server: string) =>
  gateway.stats().backends.find((b) => b.name === backend)!.servers.find((s) => s.name === server)!.state;

before(async () => {
  stack = await startTestStack({ postgres: true, replica: true });
  const config = defaultDbPorts({
    primary: `127.0.0.1:${stack.postgres.primary.port}`,
    replicas: [`127.0.0.1:${stack.postgres.replica!.port}`],
    readListen: '127.0.0.1:0',
    writeListen: '127.0.0.1:0',
    maxLagBytes: '256kb',
    maxLagSeconds: '1h',
  });
  for (const backend of config.backends) Object.assign(backend.check!, CHECK);
  gateway = await startTcpGateway(config, { log });
  await once(stack.postgres.primary.port, 'CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, body text)');
  await until('the table replicated', async () => (await once(stack.postgres.replica!.port, "SELECT to_regclass('items') AS t"))[0].t !== null);
});

after(async () => {
  await gateway?.stop();
  await stack?.stop();
});

describe('DB ports over a real primary + replica', () => {
  test('the read port reaches the replica and the write port the primary', async () => {
    assert.equal(serverStatus('db-replicas', 'replica1'), 'UP');
    assert.equal(serverStatus('db-primary', 'primary'), 'UP');
    assert.equal(serverStatus('db-primary', 'replica1'), 'DOWN', 'a replica never takes writes');
    const [read] = await once(portOf('db-read'), 'SELECT pg_is_in_recovery() AS r, inet_server_port() AS port');
    assert.deepEqual(read, { r: true, port: stack.postgres.replica!.port });
    const [write] = await once(portOf('db-write'), 'SELECT pg_is_in_recovery() AS r, inet_server_port() AS port');
    assert.deepEqual(write, { r: false, port: stack.postgres.primary.port });
  });

  test('a row written through the write port becomes readable through the read port', async () => {
    const [{ id }] = await once<{ id: number }>(portOf('db-write'), 'INSERT INTO items (body) VALUES ($1) RETURNING id', ['hello']);
    await until('the row replicated', async () => (await once(portOf('db-read'), 'SELECT body FROM items WHERE id = $1', [id]))[0]?.body === 'hello');
  });

  test('a write through the read port fails with the read-only error', async () => {
    await assert.rejects(once(portOf('db-read'), "INSERT INTO items (body) VALUES ('nope')"), (error: any) => {
      assert.equal(error.code, '25006');
      assert.match(error.message, /read-only transaction/);
      return true;
    });
  });

  test('a backend terminated mid-session closes the client connection promptly', async () => {
    const c = await client(portOf('db-read'));
    const [{ pid }] = (await c.query('SELECT pg_backend_pid() AS pid')).rows;
    const ended = new Promise<void>((resolve) => c.once('end', () => resolve()));
    const started = Date.now();
    await once(stack.postgres.replica!.port, 'SELECT pg_terminate_backend($1)', [pid]);
    await ended;
    assert.ok(Date.now() - started < 3000, 'client saw the close within 3 s');
  });

  test('bad credentials in the check config: a clear log line, the server stays DOWN, no crash', async () => {
    const lines: string[] = [];
    const bad = await startTcpGateway({
      frontends: [{ name: 'bad', listen: '127.0.0.1:0', backend: 'db' }],
      backends: [{
        name: 'db', check: { type: 'postgres', role: 'primary', user: 'no_such_user', ...CHECK },
        servers: [{ name: 'primary', address: `127.0.0.1:${stack.postgres.primary.port}` }],
      }],
    }, { log: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) });
    try {
      // Three checks seen (the first logs; the next two must not).
      const seen = new Set<string>();
      await until('three checks ran', () => {
        const last = bad.stats().backends[0].servers[0].check.lastCheck;
        if (last) seen.add(last);
        return seen.size >= 3;
      });
      const server = bad.stats().backends[0].servers[0];
      assert.equal(server.state, 'DOWN');
      const loginLines = lines.filter((l) => l.includes('cannot log in'));
      assert.equal(loginLines.length, 1, 'said once, not on every check');
      assert.match(loginLines[0], /"no_such_user"/);
      assert.match(loginLines[0], /role \\"no_such_user\\" does not exist/);
      await assert.rejects(once(bad.ports()['bad'], 'SELECT 1'));
    } finally {
      await bad.stop();
    }
  });

  test('a paused replica falling behind maxLagBytes is taken out, and put back once it catches up', async () => {
    const replica = stack.postgres.replica!.port;
    await once(replica, 'SELECT pg_wal_replay_pause()');
    try {
      await once(stack.postgres.primary.port, "INSERT INTO items (body) SELECT repeat('x', 1000) FROM generate_series(1, 2000)");
      const replicaStats = () => gateway.stats().backends.find((b) => b.name === 'db-replicas')!.servers[0];
      await until('replica marked DOWN for lag', () => replicaStats().state === 'DOWN' && /replica lag/.test(replicaStats().check.detail));
      const server = replicaStats();
      assert.ok(server.lagBytes! > 256 * 1024, `lag ${server.lagBytes} bytes`);
      assert.match(server.check.detail, /replica lag \d+ bytes > 262144/);
      // Meanwhile reads fall back to the primary.
      const [row] = await once(portOf('db-read'), 'SELECT inet_server_port() AS port');
      assert.equal(row.port, stack.postgres.primary.port);
    } finally {
      await once(replica, 'SELECT pg_wal_replay_resume()');
    }
    await until('replica back UP', () => serverStatus('db-replicas', 'replica1') === 'UP');
    const [row] = await once(portOf('db-read'), 'SELECT inet_server_port() AS port');
    assert.equal(row.port, stack.postgres.replica!.port);
  });

  test('maxLagSeconds takes out a replica whose pending replay is too old', async () => {
    const replica = stack.postgres.replica!.port;
    const lagGateway = await startTcpGateway({
      frontends: [{ name: 'read', listen: '127.0.0.1:0', backend: 'db' }],
      backends: [{
        name: 'db', check: { type: 'postgres', role: 'replica', maxLagSeconds: '1s', ...CHECK },
        servers: [{ name: 'replica', address: `127.0.0.1:${replica}` }],
      }],
    }, { log });
    const status = () => lagGateway.stats().backends[0].servers[0];
    try {
      assert.equal(status().state, 'UP');
      await once(replica, 'SELECT pg_wal_replay_pause()');
      try {
        // WAL waits unreplayed from here: its lag grows past 1 s (polled below), however recent the last replay.
        await once(stack.postgres.primary.port, "INSERT INTO items (body) VALUES ('late')");
        await until('replica DOWN for replay delay', () => status().state === 'DOWN' && /replica lag [\d.]+s > 1s/.test(status().check.detail));
        assert.ok(status().lagSeconds! > 1);
      } finally {
        await once(replica, 'SELECT pg_wal_replay_resume()');
      }
      await until('replica back UP', () => status().state === 'UP');
      assert.equal(status().lagSeconds, 0);
    } finally {
      await lagGateway.stop();
    }
  });

  test('stopping the replica sends new reads to the primary with no failed connection after the mark-down', async () => {
    await stack.kill('replica');
    const failures: string[] = [];
    let afterMarkDown = 0;
    await until('replica marked DOWN', async () => {
      const down = serverStatus('db-replicas', 'replica1') === 'DOWN';
      try {
        const [row] = await once(portOf('db-read'), 'SELECT inet_server_port() AS port');
        assert.equal(row.port, stack.postgres.primary.port);
      } catch (error) {
        if (down) failures.push((error as Error).message);
      }
      if (down) afterMarkDown++;
      return afterMarkDown >= 10;
    });
    assert.deepEqual(failures, []);
    await stack.restart('replica');
    await until('replica back UP', () => serverStatus('db-replicas', 'replica1') === 'UP', 40_000);
  });

  test('after a promotion the write port refuses two primaries, then follows the new one once the old is gone', async () => {
    await stack.promote();
    await until('two primaries seen', () => (gateway.stats().backends.find((b) => b.name === 'db-primary')!.conflictingPrimaries?.length ?? 0) === 2);
    await assert.rejects(once(portOf('db-write'), 'SELECT 1'), 'refused while two servers claim primary');
    assert.ok(logLines.some((l) => l.includes('ALERT') && l.includes('claim to be primary')));
    await stack.kill('primary');
    await until('writes reach the promoted server', async () => {
      try {
        const [row] = await once(portOf('db-write'), "INSERT INTO items (body) VALUES ('after failover') RETURNING inet_server_port() AS port");
        return row.port === stack.postgres.replica!.port;
      } catch {
        return false;
      }
    });
  });
});
