// The edge's store seam: one interface, a memory store (lru-cache bounded by bytes) and a Redis
// store (redis-store.ts), both run through one contract test. Tags (surrogate keys and URL tags)
// index objects for purges; a soft purge marks objects stale instead of removing them.
import type { StoredEntry } from './object.js';

export interface EdgeStore {
  get(key: string): StoredEntry | undefined | Promise<StoredEntry | undefined>;
  set(key: string, entry: StoredEntry, ttlMs: number): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /** Removes (or, soft, marks stale) every object with one of the tags; resolves to how many. */
  purgeTags(tags: readonly string[], soft: boolean): number | Promise<number>;
  /** Removes (or marks stale) everything. */
  purgeAll(soft: boolean): number | Promise<number>;
  /** Objects and bytes held (memory store; the Redis store reports what it can). */
  size(): { objects: number; bytes: number };
  close(): Promise<void>;
}
