// `tiered bench db`: the DB read port side by side. pgbench -S (select only, prepared, 16
// clients) against the same streaming replica: direct, through HAProxy in TCP mode, and through
// Tiered's read port (9001's default config: postgres role/lag checks, fallback to the primary).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { defaultDbPorts } from '../../../../gateway/index.js';
import { freePort } from '../../../../ops/stack/net.js';
import { haproxyPeer } from '../../peers/index.js';
import { startTiered, waitUntilListening } from '../../process.js';
import { startStack, type BenchStack } from '../../stack.js';
import { defineScenario, defineSuite, type Peer } from '../../suite.js';
import { initPgbench, measurePgbench } from './pgbench.js';

interface DbTarget {
  port: number;
}

interface DbEnv {
  stack: BenchStack;
  primary: string;
  replica: string;
  replicaPort: number;
}

const CLIENTS = 16;
const THREADS = 2;

function tieredReadPortPeer(env: DbEnv): Peer<DbTarget> {
  return {
    name: 'tiered',
    description: 'Tiered read port (`tiered gateway -c`, the default DB config `defaultDbPorts` makes: leastconn, postgres replica check every 1 s, fallback to primary), one process',
    async start(ctx) {
      const [readPort, writePort] = [await freePort(), await freePort()];
      const file = join(ctx.tmpDir, 'tiered-db.yaml');
      writeFileSync(file, stringify({
        gateway: defaultDbPorts({ primary: env.primary, replicas: [env.replica], readListen: `127.0.0.1:${readPort}`, writeListen: `127.0.0.1:${writePort}` }),
      }));
      const proc = startTiered('tiered-db', ['gateway', '-c', file, '--no-supervisor'], {
        logDir: ctx.tmpDir,
        env: { ...process.env, TIERED_LOG_LEVEL: 'warn' },
      });
      await waitUntilListening(proc, [readPort], 120_000); // tsx compiles the CLI at start: slow on a loaded machine
      return { target: { port: readPort }, pids: [proc.pid], stop: () => proc.stop() };
    },
  };
}

export default defineSuite<DbEnv>({
  name: 'db',
  title: 'L4 DB read port: pgbench -S direct vs HAProxy TCP vs Tiered',
  requires: ['pgbench', 'postgres'],
  async setup(ctx) {
    ctx.log('starting PostgreSQL primary + streaming replica');
    const stack = await startStack({ postgres: true, replica: true });
    const primaryPort = stack.postgres.primary.port;
    const replicaPort = stack.postgres.replica!.port;
    ctx.log('pgbench -i on the primary');
    await initPgbench(primaryPort, ctx.quick ? 1 : 10);
    // Wait for the replica to have the tables before reading from it.
    const deadline = Date.now() + 60_000;
    const pg = (await import('pg')).default;
    for (;;) {
      const client = new pg.Client({ host: '127.0.0.1', port: replicaPort, user: 'postgres', database: 'postgres' });
      try {
        await client.connect();
        const { rows } = await client.query("SELECT to_regclass('pgbench_accounts') IS NOT NULL AS ready, pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up", [await primaryLsn(primaryPort)]);
        if (rows[0].ready && rows[0].caught_up) break;
      } finally {
        await client.end().catch(() => {});
      }
      if (Date.now() > deadline) throw new Error('the replica did not catch up with pgbench -i within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    return { stack, primary: `127.0.0.1:${primaryPort}`, replica: `127.0.0.1:${replicaPort}`, replicaPort };
  },
  teardown: (env) => env.stack.stop(),
  scenarios(env, ctx) {
    return [
      defineScenario<DbTarget>({
        name: 'select-only',
        title: `pgbench -S -M prepared, ${CLIENTS} clients, ${THREADS} threads, against the replica`,
        unit: 'tx',
        model: 'closed',
        peers: [
          { name: 'direct', description: 'pgbench straight to the replica', start: async () => ({ target: { port: env.replicaPort }, pids: [], stop: async () => {} }) },
          haproxyPeer({ mode: 'tcp', balance: 'leastconn', servers: [env.replica], serverOptions: 'check inter 1s' }),
          tieredReadPortPeer(env),
        ],
        subject: 'tiered',
        baseline: 'direct',
        compare: ['rate', 'p99', 'avgMs', 'cpu'],
        extraColumns: [{ key: 'avgMs', label: 'avg ms', digits: 3 }],
        measure: (target, run) => measurePgbench({ port: target.port, clients: CLIENTS, threads: THREADS, durationMs: run.durationMs, tmpDir: ctx.tmpDir }),
      }),
    ];
  },
});

async function primaryLsn(port: number): Promise<string> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return (await client.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
  } finally {
    await client.end();
  }
}
