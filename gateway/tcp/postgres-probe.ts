// One run of the `postgres` health check against one server: log in with `pg`, ask whether
// it is in recovery and where its WAL stands. A fresh connection each time, as a client would
// open one (a server that refuses new logins must fail its check).
import { Socket } from 'node:net';
import pg from 'pg';
import { parseHostPort } from '../../sdk/config/schema.js';
import { readLsn } from '../../sdk/db/lsn.js';

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

/**
 * The check's socket. pg-protocol parses in the socket's 'data' listener and throws there on
 * some malformed messages (an unknown authentication type: `Unknown authenticationOk message
 * type 99`), which would be an uncaught exception that ends the gateway. Here an exception
 * from a 'data' listener destroys this socket with it instead: pg sees a socket error and the
 * check fails.
 */
export class GuardedSocket extends Socket {
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'data') return super.emit(event, ...args);
    try {
      return super.emit(event, ...args);
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
      return true;
    }
  }
}

function clientFor(address: string, login: PostgresLogin): pg.Client {
  const target = parseHostPort(address);
  return new pg.Client({
    stream: () => new GuardedSocket(),
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

/**
 * Ends the check's connection and makes sure its socket goes: pg's `end()` sends Terminate and
 * half-closes, which leaves the socket open for as long as a hostile or wedged server keeps its
 * side open (or forever when `end()` never settles); the socket is destroyed shortly after.
 */
function close(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  const destroy = () => stream?.destroy();
  const force = setTimeout(destroy, 200);
  client.end().catch(() => {}).finally(() => {
    clearTimeout(force);
    destroy();
  });
}

/**
 * Runs `run` on a fresh connection, all of it (connect, login, query) within `timeoutMs`:
 * pg's own timeouts are per phase and a server can answer slowly in every phase.
 */
async function withClient<T>(address: string, login: PostgresLogin, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = clientFor(address, login);
  client.on('error', () => {}); // a server dying mid-check is a failed check, not a crash
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${login.timeoutMs} ms`)), login.timeoutMs);
  });
  try {
    return await Promise.race([client.connect().then(() => run(client)), deadline]);
  } finally {
    clearTimeout(timer);
    close(client);
  }
}

export async function probePostgres(address: string, login: PostgresLogin): Promise<PostgresProbe> {
  try {
    return await withClient(address, login, async (client) => {
      // Raw text, one array per row: a server that answers anything but one row of four
      // columns with a real boolean first is not a healthy PostgreSQL: a failed check, never a
      // guess (pg's own parsers read any unknown text as false).
      const result = await client.query<(string | null)[]>({ text: PROBE_SQL, rowMode: 'array', types: { getTypeParser: () => (text: string) => text } });
      const [inRecovery, lsn, receiveLsn, lagText] = result.rows[0] ?? [];
      const lag = Number(lagText ?? 0);
      if (result.rows.length !== 1 || result.rows[0].length !== 4 || (inRecovery !== 't' && inRecovery !== 'f') || !Number.isFinite(lag)) {
        throw new Error(`unexpected answer to the check query: ${JSON.stringify(result.rows).slice(0, 200)}`);
      }
      return {
        ok: true as const,
        inRecovery: inRecovery === 't',
        lsn: readLsn(lsn),
        receiveLsn: readLsn(receiveLsn),
        lagSeconds: Math.max(0, lag),
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
      return readLsn(row?.lsn);
    });
  } catch {
    return undefined;
  }
}
