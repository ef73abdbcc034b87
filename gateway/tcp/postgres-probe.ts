// One run of the `postgres` health check against one server: log in with `pg`, ask whether
// it is in recovery and where its WAL stands. A fresh connection each time, as a client would
// open one (a server that refuses new logins must fail its check).
import pg from 'pg';
import { parseHostPort } from '../../sdk/config/schema.js';
import { parseLsn } from './lsn.js';

export interface PostgresLogin {
  user: string;
  password?: string;
  database: string;
  timeoutMs: number;
}

export type PostgresProbe =
  | {
    ok: true;
    inRecovery: boolean;
    /** Primary: pg_current_wal_lsn(); replica: pg_last_wal_replay_lsn(). */
    lsn?: bigint;
    /** Replica only: pg_last_wal_receive_lsn(). */
    receiveLsn?: bigint;
    /** Replica only: age of the last replayed transaction while WAL is pending replay, else 0. */
    lagSeconds: number;
  }
  | {
    ok: false;
    error: string;
    /** SQLSTATE class 28 (bad user/password), 3D000 (no such database), or a missing password: a config problem. */
    login: boolean;
  };

const PROBE_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn,
  pg_last_wal_receive_lsn()::text AS receive_lsn,
  (CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END)::float8 AS lag_seconds`;

function clientFor(address: string, login: PostgresLogin): pg.Client {
  const target = parseHostPort(address);
  return new pg.Client({
    host: target?.host, port: target?.port, user: login.user, password: login.password, database: login.database,
    connectionTimeoutMillis: login.timeoutMs, query_timeout: login.timeoutMs, statement_timeout: login.timeoutMs,
    application_name: 'tiered-gateway-check',
  });
}

function failure(error: unknown): PostgresProbe {
  const e = error as { code?: string; message?: string };
  const code = typeof e.code === 'string' ? e.code : '';
  // Also pg's own errors before the server answers (no password given for SCRAM, and the like).
  const login = code.startsWith('28') || code === '3D000' || (!code && /password|SASL|SCRAM/i.test(e.message ?? ''));
  return { ok: false, error: `${code ? `${code} ` : ''}${e.message ?? String(error)}`, login };
}

async function withClient<T>(address: string, login: PostgresLogin, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = clientFor(address, login);
  client.on('error', () => {}); // a server dying mid-check is a failed check, not a crash
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.end().catch(() => {});
  }
}

export async function probePostgres(address: string, login: PostgresLogin): Promise<PostgresProbe> {
  try {
    return await withClient(address, login, async (client) => {
      const row = (await client.query(PROBE_SQL)).rows[0] as { in_recovery: boolean; lsn: string | null; receive_lsn: string | null; lag_seconds: number };
      return {
        ok: true as const,
        inRecovery: row.in_recovery,
        lsn: parseLsn(row.lsn),
        receiveLsn: parseLsn(row.receive_lsn),
        lagSeconds: Number(row.lag_seconds) || 0,
      };
    });
  } catch (error) {
    return failure(error);
  }
}

/** The primary's current WAL position (the reference a replica's lag is measured against). */
export async function currentWalLsn(address: string, login: PostgresLogin): Promise<bigint | undefined> {
  try {
    return await withClient(address, login, async (client) => {
      const row = (await client.query('SELECT pg_current_wal_lsn()::text AS lsn WHERE NOT pg_is_in_recovery()')).rows[0] as { lsn: string } | undefined;
      return parseLsn(row?.lsn);
    });
  } catch {
    return undefined;
  }
}
