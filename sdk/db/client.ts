// createDbClient: a read/write PostgreSQL client with read-your-writes.
// - write() and transaction() run on the write pool (primary); with a session, the session then
//   remembers pg_current_wal_insert_lsn(), a position at or past the commit.
// - read() runs on the read pool (replica) when the statement is a plain read and, with a
//   session, only on a connection that has replayed the session's position, waiting up to
//   `rywWait`; otherwise on the write pool. After a session read the session remembers the
//   position it read at, so it never reads older data later (monotonic reads).
// - The read pool down → reads fall back to the write pool (metric reason=down); the write pool
//   down → DbWriteUnavailableError at once.
import pg from 'pg';
import { parseDuration } from '../config/units.js';
import { DbWriteUnavailableError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { parseLsn } from './lsn.js';
import { createDbMetrics } from './metrics.js';
import { ReplicaTracker } from './replica-wait.js';
import { routeStatement } from './routing.js';
import { DbSession } from './session.js';

type Duration = string | number;
type Params = unknown[];

export interface DbClientOptions {
  /** Read pool: the replica, or the gateway's DB read port (9001). */
  read: string | pg.PoolConfig;
  /** Write pool: the primary, or the gateway's DB write port (9002). */
  write: string | pg.PoolConfig;
  /** Longest wait for a replica to catch up with a session before reading from the primary (100ms). */
  rywWait?: Duration;
  pollInterval?: Duration;
  /** After a wait timed out on a replica connection, skip waiting on it for this long (1s). */
  lagBackoff?: Duration;
  /** Connect timeout of both pools; a write fails with DbWriteUnavailableError after it (2s). */
  connectTimeout?: Duration;
  /** After the read pool failed to connect, send reads to the write pool for this long (1s). */
  readDownBackoff?: Duration;
  /** Connections per pool (10). */
  max?: number;
  /** Signs session tokens (HMAC) when set. */
  sessionSecret?: string;
  name?: string;
}

export interface QueryOptions {
  session?: DbSession;
}

/** What readBatch hands its function: reads on one connection, and the position they all see. */
export interface ReadBatch {
  /** A WAL position every statement of the batch sees at least (a cached value's floor). */
  readonly floor: bigint;
  /** True when the batch runs on the primary (replica lagging past the wait, or down). */
  readonly onPrimary: boolean;
  query<R extends pg.QueryResultRow = any>(sql: string, params?: Params): Promise<pg.QueryResult<R>>;
}

export interface DbTransaction {
  query<R extends pg.QueryResultRow = any>(sql: string, params?: Params): Promise<pg.QueryResult<R>>;
}

export interface DbStats {
  replicaReads: number;
  primaryReads: number;
  writes: number;
  fallbacks: { lag: number; down: number; locking: number };
  waits: number;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (e?.code && CONNECTION_CODES.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i.test(e?.message ?? '');
}

const poolConfig = (target: string | pg.PoolConfig, max: number, connectTimeout: number): pg.PoolConfig => ({
  max, connectionTimeoutMillis: connectTimeout, idleTimeoutMillis: 30_000,
  ...(typeof target === 'string' ? { connectionString: target } : target),
});

export class DbClient {
  private readonly readPool: pg.Pool;
  private readonly writePool: pg.Pool;
  private readonly tracker: ReplicaTracker;
  private readonly rywWait: number;
  private readonly readDownBackoff: number;
  private readDownUntil = 0;
  private readonly metrics;
  private readonly counts: DbStats = { replicaReads: 0, primaryReads: 0, writes: 0, fallbacks: { lag: 0, down: 0, locking: 0 }, waits: 0 };
  readonly sessionSecret: string | undefined;

  constructor(options: DbClientOptions) {
    const connectTimeout = parseDuration(options.connectTimeout ?? '2s');
    const max = options.max ?? 10;
    const logger = createLogger('sdk').child({ client: options.name ?? 'db' });
    this.readPool = new pg.Pool(poolConfig(options.read, max, connectTimeout));
    this.writePool = new pg.Pool(poolConfig(options.write, max, connectTimeout));
    // An idle connection dropped by a dead server must not crash the process.
    const lost = (pool: string) => (err: Error & { code?: string }) => logger.warn({ pool, code: err.code, error: err.message }, 'idle database connection lost');
    this.readPool.on('error', lost('read'));
    this.writePool.on('error', lost('write'));
    this.rywWait = parseDuration(options.rywWait ?? '100ms');
    this.readDownBackoff = parseDuration(options.readDownBackoff ?? '1s');
    this.tracker = new ReplicaTracker({
      wait: this.rywWait,
      pollInterval: parseDuration(options.pollInterval ?? '5ms'),
      lagBackoff: parseDuration(options.lagBackoff ?? '1s'),
    });
    this.metrics = createDbMetrics(options.name ?? 'db');
    this.sessionSecret = options.sessionSecret;
  }

  /** A session from a token (cookie or header), or a new one. */
  session(token?: string | null): DbSession {
    return DbSession.fromToken(token, this.sessionSecret);
  }
  /** The token to hand back to the user (cookie or header). */
  token(session: DbSession): string {
    return session.toToken(this.sessionSecret);
  }

  /** Routes by statement: plain reads to read(), everything else to write(). */
  query<R extends pg.QueryResultRow = any>(sql: string, params?: Params, options?: QueryOptions): Promise<pg.QueryResult<R>> {
    return routeStatement(sql) === 'read' ? this.read<R>(sql, params, options) : this.write<R>(sql, params, options);
  }

  async read<R extends pg.QueryResultRow = any>(sql: string, params?: Params, options: QueryOptions = {}): Promise<pg.QueryResult<R>> {
    if (routeStatement(sql) === 'write') return this.readOnPrimary<R>(sql, params, options, 'locking');
    const client = await this.replicaConnection();
    if (!client) return this.readOnPrimary<R>(sql, params, options, 'down');
    let broken: Error | undefined;
    try {
      const session = options.session;
      if (session && session.lsn > 0n) {
        const { ok, waited } = await this.tracker.caughtUp(client, session.lsn);
        if (waited) {
          this.counts.waits++;
          this.metrics.waited();
        }
        if (!ok) return await this.readOnPrimary<R>(sql, params, options, 'lag');
      }
      const started = performance.now();
      const result = await client.query<R>(sql, params);
      this.metrics.statement('read', performance.now() - started);
      this.counts.replicaReads++;
      if (session) session.advance(await this.tracker.position(client));
      return result;
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      broken = error as Error;
      return this.readOnPrimary<R>(sql, params, options, 'down');
    } finally {
      client.release(broken);
    }
  }

  /**
   * Several reads with ONE read-your-writes check instead of one around each statement: on one
   * replica connection that has replayed the session's position (waiting up to `rywWait`), else on
   * the primary. `floor` is the connection's known replay position (no query when it is already
   * known to be past the session) or the primary's insert position; after `fn` the session advances
   * once to what the connection has replayed (monotonic reads). Locking statements go to the
   * primary as in read(); a replica connection that breaks sends the rest of the batch there.
   */
  async readBatch<T>(fn: (batch: ReadBatch) => Promise<T>, options: QueryOptions = {}): Promise<T> {
    const session = options.session ?? new DbSession();
    const client = await this.replicaConnection();
    if (!client) return this.batchOnPrimary(fn, session, 'down');
    let broken: Error | undefined;
    let released = false;
    const release = () => {
      if (!released) client.release(broken);
      released = true;
    };
    try {
      let floor: bigint;
      try {
        if (session.lsn > 0n) {
          const { ok, waited } = await this.tracker.caughtUp(client, session.lsn);
          if (waited) {
            this.counts.waits++;
            this.metrics.waited();
          }
          if (!ok) {
            release();
            return await this.batchOnPrimary(fn, session, 'lag');
          }
        }
        floor = this.tracker.known(client) ?? (await this.tracker.position(client));
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        broken = error as Error;
        release();
        return await this.batchOnPrimary(fn, session, 'down');
      }
      const value = await fn({
        floor,
        onPrimary: false,
        query: async <R extends pg.QueryResultRow>(sql: string, params?: Params) => {
          if (routeStatement(sql) === 'write') return this.readOnPrimary<R>(sql, params, { session }, 'locking');
          if (broken) return this.readOnPrimary<R>(sql, params, { session }, 'down');
          try {
            const started = performance.now();
            const result = await client.query<R>(sql, params);
            this.metrics.statement('read', performance.now() - started);
            this.counts.replicaReads++;
            return result;
          } catch (error) {
            if (!isConnectionError(error)) throw error;
            broken = error as Error;
            return this.readOnPrimary<R>(sql, params, { session }, 'down');
          }
        },
      });
      if (!broken) session.advance(await this.tracker.position(client).catch(() => floor));
      return value;
    } finally {
      release();
    }
  }

  async write<R extends pg.QueryResultRow = any>(sql: string, params?: Params, options: QueryOptions = {}): Promise<pg.QueryResult<R>> {
    return this.onPrimary(async (client) => {
      const started = performance.now();
      const result = await client.query<R>(sql, params);
      this.metrics.statement('write', performance.now() - started);
      this.counts.writes++;
      if (options.session) options.session.advance(await insertLsn(client));
      return result;
    });
  }

  /** BEGIN … COMMIT on the write pool; rolled back when `fn` throws. */
  async transaction<T>(fn: (tx: DbTransaction) => Promise<T>, options: QueryOptions = {}): Promise<T> {
    return this.onPrimary(async (client) => {
      await client.query('BEGIN');
      let value: T;
      try {
        value = await fn({ query: (sql, params) => client.query(sql, params) });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      this.counts.writes++;
      if (options.session) options.session.advance(await insertLsn(client));
      return value;
    });
  }

  stats(): DbStats {
    return { ...this.counts, fallbacks: { ...this.counts.fallbacks } };
  }

  async close(): Promise<void> {
    await Promise.all([this.readPool.end().catch(() => {}), this.writePool.end().catch(() => {})]);
  }

  /** A read-pool connection, or undefined while the read pool is down (then for readDownBackoff). */
  private async replicaConnection(): Promise<pg.PoolClient | undefined> {
    if (performance.now() < this.readDownUntil) return undefined;
    try {
      return await this.readPool.connect();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.readDownUntil = performance.now() + this.readDownBackoff;
      return undefined;
    }
  }

  private async batchOnPrimary<T>(fn: (batch: ReadBatch) => Promise<T>, session: DbSession, reason: 'lag' | 'down'): Promise<T> {
    this.counts.fallbacks[reason]++;
    this.metrics.fallback(reason);
    return this.onPrimary(async (client) => {
      // Statements after this see at least the primary's position now.
      const floor = await insertLsn(client);
      session.advance(floor);
      return fn({
        floor,
        onPrimary: true,
        query: async <R extends pg.QueryResultRow>(sql: string, params?: Params) => {
          const started = performance.now();
          const result = await client.query<R>(sql, params);
          this.metrics.statement('write', performance.now() - started);
          this.counts.primaryReads++;
          return result;
        },
      });
    });
  }

  private async readOnPrimary<R extends pg.QueryResultRow>(sql: string, params: Params | undefined, options: QueryOptions, reason: 'lag' | 'down' | 'locking'): Promise<pg.QueryResult<R>> {
    this.counts.fallbacks[reason]++;
    this.metrics.fallback(reason);
    return this.onPrimary(async (client) => {
      const started = performance.now();
      const result = await client.query<R>(sql, params);
      this.metrics.statement('write', performance.now() - started);
      this.counts.primaryReads++;
      // What this read saw is at most the primary's position now: later reads must not go back.
      if (options.session) options.session.advance(await insertLsn(client));
      return result;
    });
  }

  private async onPrimary<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.writePool.connect();
    } catch (error) {
      throw isConnectionError(error) ? new DbWriteUnavailableError({ cause: error }) : error;
    }
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (error) {
      if (isConnectionError(error)) {
        broken = error as Error;
        throw new DbWriteUnavailableError({ cause: error });
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

async function insertLsn(client: pg.PoolClient): Promise<bigint> {
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  return parseLsn(rows[0].lsn);
}

export function createDbClient(options: DbClientOptions): DbClient {
  return new DbClient(options);
}
