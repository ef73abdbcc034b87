// withInvalidation: the write half of durable invalidation. Call it inside the transaction
// that changes the data; the outbox row commits (or rolls back) with the data, and NOTIFY
// (delivered only on commit) wakes the relay. A crash after COMMIT loses nothing: the row
// waits for the relay.
import { DEFAULT_OUTBOX_TABLE, OUTBOX_CHANNEL, quoteIdent, type Queryable } from './schema.js';

export interface InvalidationOptions {
  /** Edge surrogate keys to purge (Surrogate-Key / xkey), applied by the relay's purger. */
  surrogateKeys?: readonly string[];
  /** Cache namespace the keys belong to (default 'tiered', as createCache). */
  namespace?: string;
  table?: string;
}

export async function withInvalidation(
  tx: Queryable,
  keys: readonly string[],
  tags: readonly string[] = [],
  options: InvalidationOptions = {},
): Promise<void> {
  const surrogateKeys = options.surrogateKeys ?? [];
  if (keys.length + tags.length + surrogateKeys.length === 0) return;
  const namespace = options.namespace ?? 'tiered';
  await tx.query(
    `INSERT INTO ${quoteIdent(options.table ?? DEFAULT_OUTBOX_TABLE)} (namespace, keys, tags, surrogate_keys) VALUES ($1, $2, $3, $4)`,
    [namespace, [...keys], [...tags], [...surrogateKeys]],
  );
  await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, namespace]);
}
