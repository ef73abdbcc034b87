// The local stack with real servers: everything answers, the replica really replicates,
// a second `up` reuses the data, and `down` leaves no process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ask, freePorts, isListening } from './net.js';
import { isAlive } from './processes.js';
import { stackDown, stackUp, summarize } from './stack.js';
import { stackStatus } from './status.js';
import { startTestStack } from './testing.js';

async function sql<T = any>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

test('ephemeral stack: redis, memcached, primary and replica answer; a row written on the primary is read on the replica', async () => {
  const stack = await startTestStack({ redis: true, memcached: 2, postgres: true, replica: true });
  try {
    assert.match(await ask(stack.redis.port, 'CONFIG GET maxmemory-policy\r\n'), /noeviction/);
    assert.match(await ask(stack.redis.port, 'CONFIG GET appendonly\r\n'), /yes/);
    for (const m of stack.memcached) assert.match(await ask(m.port, 'version\r\n'), /^VERSION /);
    const [primary] = await sql(stack.postgres.primary.url, 'SELECT pg_is_in_recovery() AS r');
    const [replica] = await sql(stack.postgres.replica!.url, 'SELECT pg_is_in_recovery() AS r');
    assert.equal(primary.r, false);
    assert.equal(replica.r, true);

    const marker = `row-${process.pid}-${Date.now()}`;
    await sql(stack.postgres.primary.url, 'CREATE TABLE t (v text)');
    await sql(stack.postgres.primary.url, 'INSERT INTO t VALUES ($1)', [marker]);
    let seen: unknown[] = [];
    for (let i = 0; i < 100 && seen.length === 0; i++) {
      seen = await sql(stack.postgres.replica!.url, 'SELECT v FROM t WHERE v = $1', [marker]).catch(() => []);
      if (seen.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(seen.length, 1, 'the replica should replay the primary’s insert');
    await assert.rejects(sql(stack.postgres.replica!.url, 'INSERT INTO t VALUES ($1)', ['x']), /read-only/);
  } finally {
    await stack.stop();
  }
});

test('stack down stops every server and leaves no process; up again in the same dir reuses the data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tiered-stack-test-'));
  const [redisPort, mcPort, pgPort, replicaPort] = await freePorts(4);
  const options = { dir, redis: { port: redisPort }, memcached: { count: 1, port: mcPort }, postgres: { port: pgPort, replicaPort } };
  try {
    const first = await stackUp(options);
    const summary = summarize(first);
    await sql(summary.postgres!.primary.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    const pids = first.servers.map((s) => s.pid!);
    assert.equal(pids.every((pid) => isAlive(pid)), true);

    await stackDown(dir);
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still alive after down`);
    for (const port of [redisPort, mcPort, pgPort, replicaPort]) assert.equal(await isListening(port), false, `port ${port} still open`);

    const second = await stackUp(options);
    const rows = await sql(summarize(second).postgres!.primary.url, 'SELECT v FROM kept');
    assert.deepEqual(rows, [{ v: 42 }]);
    const status = await stackStatus(second);
    assert.deepEqual(status.map((s) => [s.name, s.up, s.role ?? null]), [
      ['redis', true, null], ['memcached:0', true, null], ['primary', true, 'primary'], ['replica', true, 'replica'],
    ]);
    await stackDown(dir);
  } finally {
    await stackDown(dir).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing binary is named with its Debian package', async () => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const { findBinary } = await import('./binaries.js');
    // PostgreSQL is found under /usr/lib/postgresql even without PATH; a made-up binary is not.
    assert.equal(findBinary('definitely-not-a-server'), undefined);
    const { requireBinary } = await import('./binaries.js');
    assert.throws(() => requireBinary('varnishd-missing'), /install the Debian package/);
  } finally {
    process.env.PATH = saved;
  }
});
