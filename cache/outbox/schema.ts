// The outbox table: one row per pending invalidation, written in the application's own
// transaction. Rows are deleted once applied; failed ones keep their attempt count, last
// error and the time of the next try.
export const DEFAULT_OUTBOX_TABLE = 'tiered_cache_outbox';
export const OUTBOX_CHANNEL = 'tiered_cache_outbox';

/** Anything that runs SQL: a pg Client, PoolClient or Pool (a transaction's client for writes). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new TypeError(`invalid outbox table name ${JSON.stringify(name)}`);
  return name.split('.').map((part) => `"${part}"`).join('.');
}

export function outboxDdl(table = DEFAULT_OUTBOX_TABLE): string {
  const t = quoteIdent(table);
  const index = quoteIdent(`${table.replace(/\./g, '_')}_due`.split('.').pop()!);
  return `
CREATE TABLE IF NOT EXISTS ${t} (
  id              bigserial PRIMARY KEY,
  namespace       text        NOT NULL,
  keys            text[]      NOT NULL DEFAULT '{}',
  tags            text[]      NOT NULL DEFAULT '{}',
  surrogate_keys  text[]      NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text
);
CREATE INDEX IF NOT EXISTS ${index} ON ${t} (namespace, next_attempt_at, id);`;
}

/** Creates the table if missing (idempotent; safe at every start). */
export async function ensureOutboxTable(db: Queryable, table = DEFAULT_OUTBOX_TABLE): Promise<void> {
  await db.query(outboxDdl(table));
}
