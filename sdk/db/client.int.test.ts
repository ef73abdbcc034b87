// The DB client against a real PostgreSQL primary + streaming replica.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { DbWriteUnavailableError } from '../errors.js';
import { createDbClient, type DbClient } from './client.js';
import { DbSession } from './session.js';
import { formatLsn } from './lsn.js';

let stack: TestStack;
let admin: pg.Client; // superuser on the replica, to pause and resume replay
const clients: DbClient[] = [];

function db(options: Partial<Parameters<typeof createDbClient>[0]> = {}): DbClient {
  const c = createDbClient({ read: stack.postgres.replica!.url, write: stack.postgres.primary.url, ...options });
  clients.push(c);
  return c;
}

async function waitForReplica(sql: string, deadlineMs = 10_000): Promise<void> {
  const replica = new pg.Client({ connectionString: stack.postgres.replica!.url });
  await replica.connect();
  const end = Date.now() + deadlineMs;
  try {
    while (Date.now() < end) {
      try {
        if ((await replica.query(sql)).rowCount) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`replica never satisfied: ${sql}`);
  } finally {
    await replica.end();
  }
}

before(async () => {
  stack = await startTestStack({ postgres: true, replica: true });
  const primary = new pg.Client({ connectionString: stack.postgres.primary.url });
  await primary.connect();
  await primary.query('CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL)');
  await primary.end();
  await waitForReplica("SELECT 1 FROM pg_tables WHERE tablename = 'notes'");
  admin = new pg.Client({ connectionString: stack.postgres.replica!.url });
  admin.on('error', () => {}); // the last test kills the replica under it
  await admin.connect();
});

after(async () => {
  for (const c of clients) await c.close();
  await admin?.end().catch(() => {});
  await stack?.stop();
});

describe('DB client: read-your-writes on a real primary + replica', () => {
  test('replay paused: 1,000 write-then-read pairs in one session all see their write; session-less reads stay on the replica', async () => {
    const c = db();
    await admin.query('SELECT pg_wal_replay_pause()');
    try {
      const session = c.session();
      for (let i = 0; i < 1_000; i++) {
        const { rows } = await c.write('INSERT INTO notes (body) VALUES ($1) RETURNING id', [`pair-${i}`], { session });
        const read = await c.read('SELECT body FROM notes WHERE id = $1', [rows[0].id], { session });
        assert.equal(read.rows[0]?.body, `pair-${i}`, `pair ${i}: the session did not see its own write`);
      }
      const anonymous = await c.read('SELECT pg_is_in_recovery() AS replica, count(*)::int AS n FROM notes WHERE body LIKE $1', ['pair-%']);
      assert.equal(anonymous.rows[0].replica, true, 'a session-less read left the replica');
      assert.equal(anonymous.rows[0].n, 0, 'replay is paused: the replica must not have the rows');
      const stats = c.stats();
      assert.equal(stats.fallbacks.lag, 1_000);
      // Once per connection, plus a few where the lag backoff ran out on a loaded machine (seen: 15
      // under CI load); the point is that 1,000 reads did not each wait.
      assert.ok(stats.waits <= 40, `waited ${stats.waits} times: a stalled replica should cost the full wait about once per connection`);
    } finally {
      await admin.query('SELECT pg_wal_replay_resume()');
    }
  });

  test('a caught-up replica serves session reads', async () => {
    // The test stack runs synchronous_commit=off (speed); with it, WAL reaches the replica only
    // after wal_writer_delay. PostgreSQL's default (on) ships the commit at once:
    const c = db({ write: { connectionString: stack.postgres.primary.url, options: '-c synchronous_commit=on' } });
    const session = c.session();
    let onReplica = 0;
    for (let i = 0; i < 50; i++) {
      const { rows } = await c.write('INSERT INTO notes (body) VALUES ($1) RETURNING id', [`live-${i}`], { session });
      const read = await c.read('SELECT body, pg_is_in_recovery() AS replica FROM notes WHERE id = $1', [rows[0].id], { session });
      assert.equal(read.rows[0]?.body, `live-${i}`);
      if (read.rows[0].replica) onReplica++;
    }
    assert.ok(onReplica >= 40, `${JSON.stringify(c.stats())} only ${onReplica}/50 session reads were served by the streaming replica`);
  });

  test('the token carries the guarantee to another instance', async () => {
    const a = db({ sessionSecret: 's3cret' });
    const b = db({ sessionSecret: 's3cret' });
    await admin.query('SELECT pg_wal_replay_pause()');
    try {
      const session = a.session();
      const { rows } = await a.write('INSERT INTO notes (body) VALUES ($1) RETURNING id', ['cross'], { session });
      const token = a.token(session);
      const onB = await b.read('SELECT body FROM notes WHERE id = $1', [rows[0].id], { session: b.session(token) });
      assert.equal(onB.rows[0]?.body, 'cross');
      const tokenless = await b.read('SELECT body FROM notes WHERE id = $1', [rows[0].id]);
      assert.equal(tokenless.rowCount, 0, 'without the token the replica (paused) answers');
      assert.throws(() => b.session(token.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAA')), /signature/);
    } finally {
      await admin.query('SELECT pg_wal_replay_resume()');
    }
  });

  test('monotonic reads: a session never goes back to older data', async () => {
    const c = db();
    const session = new DbSession();
    await c.read('SELECT 1', [], { session });
    const seen = session.lsn;
    assert.ok(seen > 0n, 'a session read records the position it read at');
    await c.write('INSERT INTO notes (body) VALUES ($1)', ['mono'], { session });
    assert.ok(session.lsn > seen);
  });

  test('readBatch: many statements, one position check; the floor is seen by every statement; replay paused → the primary', async () => {
    const c = db();
    const session = c.session();
    await c.write('INSERT INTO notes (body) VALUES ($1)', ['batch-warm'], { session });
    await waitForReplica("SELECT 1 FROM notes WHERE body = 'batch-warm'");
    await c.readBatch(async (b) => b.query('SELECT 1'), { session }); // the connection's position is known now
    const logged: string[] = [];
    const before = c.stats();
    const floor = await c.readBatch(async (b) => {
      for (let i = 0; i < 10; i++) {
        const { rows } = await b.query<{ replica: boolean; replayed: boolean }>('SELECT pg_is_in_recovery() AS replica, pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed', [formatLsn(b.floor)]);
        assert.equal(rows[0].replica, true);
        assert.equal(rows[0].replayed, true, 'every statement sees at least the floor');
        logged.push('q');
      }
      return b.floor;
    }, { session });
    assert.equal(logged.length, 10);
    assert.ok(floor >= 1n && session.lsn >= floor);
    const after = c.stats();
    assert.equal(after.replicaReads - before.replicaReads, 10);
    assert.equal(after.primaryReads, before.primaryReads);

    await admin.query('SELECT pg_wal_replay_pause()');
    try {
      const { rows } = await c.write('INSERT INTO notes (body) VALUES ($1) RETURNING id', ['batch-paused'], { session });
      const seen = await c.readBatch(async (b) => {
        assert.equal(b.onPrimary, true);
        const [one, two] = [await b.query('SELECT body FROM notes WHERE id = $1', [rows[0].id]), await b.query('SELECT pg_is_in_recovery() AS replica')];
        assert.equal(two.rows[0].replica, false);
        return one.rows[0]?.body;
      }, { session });
      assert.equal(seen, 'batch-paused', 'read-your-writes through a batch');
      assert.equal(c.stats().fallbacks.lag, after.fallbacks.lag + 1, 'one fallback for the whole batch');
    } finally {
      await admin.query('SELECT pg_wal_replay_resume()');
    }
  });

  test('transaction() and locking reads run on the primary', async () => {
    const c = db();
    const session = c.session();
    const id = await c.transaction(async (tx) => {
      const { rows } = await tx.query('INSERT INTO notes (body) VALUES ($1) RETURNING id', ['tx']);
      const again = await tx.query('SELECT pg_is_in_recovery() AS replica FROM notes WHERE id = $1', [rows[0].id]);
      assert.equal(again.rows[0].replica, false);
      return rows[0].id as string;
    }, { session });
    const locked = await c.read('SELECT pg_is_in_recovery() AS replica FROM notes WHERE id = $1 FOR UPDATE', [id]);
    assert.equal(locked.rows[0].replica, false);
    await assert.rejects(c.transaction(async (tx) => {
      await tx.query('INSERT INTO notes (body) VALUES ($1)', ['rolled-back']);
      throw new Error('abort');
    }), /abort/);
    const gone = await c.write("SELECT count(*)::int AS n FROM notes WHERE body = 'rolled-back'");
    assert.equal(gone.rows[0].n, 0);
  });

  test('read pool down: reads fall back to the write pool; write pool down: a named error, fast', async () => {
    const c = db({ connectTimeout: '1s' });
    await c.read('SELECT 1');
    await stack.kill('replica');
    const res = await c.read('SELECT pg_is_in_recovery() AS replica');
    assert.equal(res.rows[0].replica, false);
    assert.ok(c.stats().fallbacks.down >= 1);
    await stack.kill('primary');
    const started = performance.now();
    await assert.rejects(c.write('INSERT INTO notes (body) VALUES ($1)', ['lost']), DbWriteUnavailableError);
    assert.ok(performance.now() - started < 5_000);
  });
});
