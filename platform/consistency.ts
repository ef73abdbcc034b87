// Read-your-writes through the cache. A cached value records the WAL position it reflects at
// least (`floor`): the load first probes the replica's replay position, then reads with a session
// at that position, so every statement of the load sees data at or past it. A caller whose
// session token carries a later write position skips that entry and reads the database with its
// session (the replica once it has replayed the write, else the primary), uncached.
//
// Invalidation markers close the other gap: after a commit at position W, a key's entry is
// deleted, but a reader without a session could refill it from a replica that has not replayed W
// yet, and the stale copy would stay until its TTL. So before deleting, a command records W
// under the key (and each tag) for `markerTtl`; a load starts from the highest marker of its key
// and tags, i.e. it waits for the replica to reach W or reads from the primary.
import { createHash } from 'node:crypto';
import type { Cache } from '../cache/cache.js';

/** What the cache holds for a resource value: the value (or not found) and its floor. */
export interface CachedValue<T> {
  /** Floor: WAL position in base 36. */
  l: string;
  v?: T;
  /** Not found. */
  n?: 1;
}

export function encodeLsn(lsn: bigint): string {
  return lsn.toString(36);
}

export function decodeLsn(text: unknown): bigint {
  if (typeof text !== 'string' || !/^[0-9a-z]{1,14}$/.test(text)) return 0n;
  let lsn = 0n;
  for (const ch of text) lsn = lsn * 36n + BigInt(parseInt(ch, 36));
  return lsn;
}

/** True when the cached entry may predate the caller's own writes. */
export function entryTooOld(entry: CachedValue<unknown> | undefined, sessionLsn: bigint): boolean {
  if (!entry || typeof entry !== 'object') return true;
  return sessionLsn > decodeLsn(entry.l);
}

/** The store key of a marker (a SHA-256 when the name cannot be a memcached key as is). */
export function markerKey(namespace: string, name: string): string {
  const key = `${namespace}:pm:${name}`;
  // eslint-disable-next-line no-control-regex
  if (key.length <= 200 && !/[\s\x00-\x1f\x7f]/.test(key)) return key;
  return `${namespace}:pm#${createHash('sha256').update(name).digest('base64url')}`;
}

export class Markers {
  constructor(private readonly cache: Cache, private readonly ttlMs: number) {}

  /** The highest write position recorded for any of the names (0 when none, or the store fails). */
  async floor(names: readonly string[]): Promise<bigint> {
    if (names.length === 0) return 0n;
    let values: (Buffer | undefined)[];
    try {
      values = await this.cache.store.getMulti(names.map((n) => markerKey(this.cache.namespace, n)));
    } catch {
      return 0n;
    }
    let max = 0n;
    for (const value of values) {
      const lsn = value ? decodeLsn(value.toString('latin1')) : 0n;
      if (lsn > max) max = lsn;
    }
    return max;
  }

  /** Records `lsn` for each name (keeping a higher one already there). Best effort. */
  async record(names: readonly string[], lsn: bigint): Promise<void> {
    if (names.length === 0 || lsn === 0n) return;
    const keys = names.map((n) => markerKey(this.cache.namespace, n));
    const existing = await this.cache.store.getMulti(keys).catch(() => keys.map(() => undefined));
    await Promise.all(keys.map(async (key, i) => {
      const old = existing[i] ? decodeLsn(existing[i]!.toString('latin1')) : 0n;
      if (old >= lsn) return;
      await this.cache.store.set(key, Buffer.from(encodeLsn(lsn), 'latin1'), this.ttlMs).catch(() => {});
    }));
  }
}
