// The outbox relay: applies pending invalidations (cache deletes, tag bumps, edge purges)
// and deletes each row once applied. Woken by LISTEN/NOTIFY, with polling as a backstop for
// missed notifications (relay down at commit time, LISTEN connection lost). Rows are claimed
// with FOR UPDATE SKIP LOCKED so several relays can run side by side; a failed row is
// retried with backoff until it succeeds (invalidations are idempotent).
import pg from 'pg';
import { parseDuration } from '../../sdk/config/units.js';
import { createLogger } from '../../sdk/log/logger.js';
import { RelayError } from '../errors.js';
import { retryDelayMs } from './backoff.js';
import { httpPurger, type HttpPurgerOptions, type Purger } from './purger.js';
import { DEFAULT_OUTBOX_TABLE, ensureOutboxTable, OUTBOX_CHANNEL, quoteIdent } from './schema.js';

/** What the relay needs from a cache (a Cache from createCache fits). */
export interface InvalidationTarget {
  readonly namespace: string;
  invalidate(keys: readonly string[]): Promise<void>;
  invalidateTags(tags: readonly string[]): Promise<void>;
  recordRelayLag?(ms: number): void;
}

export interface OutboxRelayOptions {
  /** PostgreSQL connection string or a pg Pool (the relay also opens one LISTEN connection). */
  db: string | pg.Pool;
  cache: InvalidationTarget;
  /** Edge purge by surrogate key: a callback, or the admin purge URL (+ bearer token). */
  purger?: Purger | HttpPurgerOptions;
  /** Backstop polling interval (default 5s). */
  pollInterval?: string | number;
  batchSize?: number;
  table?: string;
  /** Create the outbox table at start if missing (default true). */
  createTable?: boolean;
  random?: () => number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Applies everything due now; resolves with the number of rows applied. */
  drain(): Promise<number>;
  /** Rows not yet applied (due or waiting for a retry). */
  pending(): Promise<number>;
  stop(): Promise<void>;
}

interface Row {
  id: string;
  keys: string[];
  tags: string[];
  surrogate_keys: string[];
  attempts: number;
  lag_ms: number;
}

/** Invalidations per cache call: a row with a huge array is applied in slices. */
const CHUNK = 1000;

const count = (list: unknown): number => (Array.isArray(list) ? list.flat(Infinity).length : 0);

/** The names of a text[] column: flattened (a multi-dimensional array), without NULL or empty elements. */
export function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return (list.flat(Infinity) as unknown[]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** An error's message for last_error, whatever was thrown. */
function errorText(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? String(error.message) : String(error);
  } catch {
    text = 'unprintable error';
  }
  return text.replace(/\0/g, '').slice(0, 1000);
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const log = createLogger('cache');
  const table = quoteIdent(options.table ?? DEFAULT_OUTBOX_TABLE);
  const namespace = options.cache.namespace;
  const ownsPool = typeof options.db === 'string';
  const pool = typeof options.db === 'string' ? new pg.Pool({ connectionString: options.db, max: 2 }) : options.db;
  // The LISTEN connection uses the same settings as the pool (a connection string or its options).
  const listenConfig: pg.ClientConfig = typeof options.db === 'string' ? { connectionString: options.db } : { ...(options.db as any).options };
  const purge = typeof options.purger === 'function' ? options.purger : options.purger ? httpPurger(options.purger) : undefined;
  const pollMs = parseDuration(options.pollInterval ?? '5s');
  const batchSize = options.batchSize ?? 100;
  const random = options.random ?? Math.random;
  pool.on('error', (error) => log.warn({ err: error }, 'outbox relay: idle connection error'));

  let stopped = true;
  let listener: pg.Client | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;

  async function apply(row: Row): Promise<void> {
    const keys = names(row.keys);
    const tags = names(row.tags);
    const surrogateKeys = names(row.surrogate_keys);
    const dropped = count(row.keys) + count(row.tags) + count(row.surrogate_keys) - keys.length - tags.length - surrogateKeys.length;
    if (dropped > 0) {
      // NULL or empty elements (the columns are text[]: SQL can put them there): no cache entry can
      // have such a name, so there is nothing to invalidate for them. The rest of the row is applied.
      log.warn({ id: row.id, dropped }, 'outbox: row with null or empty names; those are skipped, the rest is applied');
    }
    for (let i = 0; i < keys.length; i += CHUNK) await options.cache.invalidate(keys.slice(i, i + CHUNK));
    for (let i = 0; i < tags.length; i += CHUNK) await options.cache.invalidateTags(tags.slice(i, i + CHUNK));
    if (surrogateKeys.length) {
      if (purge) await purge(surrogateKeys);
      else log.debug({ id: row.id }, 'outbox: surrogate keys without a purger configured, skipped');
    }
  }

  /** One claimed batch: how many rows were claimed and how many of them applied. */
  async function batch(): Promise<{ claimed: number; applied: number }> {
    const client = await pool.connect();
    let applied = 0;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<Row>(
        `SELECT id, keys, tags, surrogate_keys, attempts,
                EXTRACT(EPOCH FROM (clock_timestamp() - created_at)) * 1000 AS lag_ms
           FROM ${table}
          WHERE namespace = $1 AND next_attempt_at <= now()
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [namespace, batchSize],
      );
      for (const row of rows) {
        // One savepoint per row: a row whose bookkeeping fails cannot undo the rows before it.
        await client.query('SAVEPOINT tiered_row');
        try {
          await apply(row);
          await client.query(`DELETE FROM ${table} WHERE id = $1`, [row.id]);
          const lag = Number(row.lag_ms);
          if (Number.isFinite(lag)) options.cache.recordRelayLag?.(Math.max(0, lag));
          applied++;
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT tiered_row');
          const attempts = Number.isFinite(Number(row.attempts)) ? Math.max(0, Number(row.attempts)) : 0;
          const delay = retryDelayMs(attempts, random);
          log.warn({ err: error, id: row.id, attempts: attempts + 1, retryInMs: delay }, 'outbox: invalidation failed, will retry');
          await client.query(
            `UPDATE ${table} SET attempts = LEAST(GREATEST(attempts, 0), 2147483646) + 1, last_error = $2,
                    next_attempt_at = now() + ($3::double precision * interval '1 millisecond') WHERE id = $1`,
            [row.id, errorText(error), delay],
          );
        }
        await client.query('RELEASE SAVEPOINT tiered_row');
      }
      await client.query('COMMIT');
      return { claimed: rows.length, applied };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw new RelayError(`outbox relay pass failed: ${(error as Error).message}`, error);
    } finally {
      client.release();
    }
  }

  async function drainLoop(): Promise<number> {
    let total = 0;
    for (;;) {
      const { claimed, applied } = await batch();
      total += applied;
      if (claimed < batchSize || applied === 0) return total; // empty, or only failing rows left
    }
  }

  /** Runs one drain at a time; a wake-up during a drain schedules one more. */
  function drain(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = drainLoop().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void drain().catch((error) => log.warn({ err: error }, 'outbox relay pass failed'));
      }
    });
    return running;
  }

  const wake = () => void drain().catch((error) => log.warn({ err: error }, 'outbox relay pass failed'));

  async function listen(): Promise<void> {
    if (stopped) return;
    const client = new pg.Client(listenConfig);
    client.on('notification', (message) => {
      if (message.payload === namespace) wake();
    });
    client.on('error', (error) => {
      log.warn({ err: error }, 'outbox relay: LISTEN connection lost, polling until it is back');
      client.end().catch(() => {});
      if (listener === client) listener = undefined;
      scheduleReconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      listener = client;
      wake(); // notifications sent while not listening are lost: catch up now
    } catch (error) {
      log.warn({ err: error }, 'outbox relay: LISTEN failed, polling until it works');
      client.end().catch(() => {});
      scheduleReconnect();
    }
  }

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void listen();
    }, Math.min(pollMs, 2000));
  }

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      if (options.createTable !== false) await ensureOutboxTable(pool, options.table);
      await listen();
      pollTimer = setInterval(wake, pollMs);
      pollTimer.unref();
    },
    drain,
    async pending() {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE namespace = $1`, [namespace]);
      return rows[0].n as number;
    },
    async stop() {
      stopped = true;
      if (pollTimer) clearInterval(pollTimer);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await running?.catch(() => {});
      await listener?.end().catch(() => {});
      listener = undefined;
      if (ownsPool) await pool.end().catch(() => {});
    },
  };
}
