// The memory store: lru-cache with maxSize (bytes) and per-object TTL, and a tag index kept in
// step through lru-cache's dispose callback (an evicted or expired object leaves its tags).
import { LRUCache } from 'lru-cache';
import { objectBytes, type StoredEntry } from './object.js';
import type { EdgeStore } from './store.js';

export class MemoryStore implements EdgeStore {
  private readonly lru: LRUCache<string, StoredEntry>;
  private readonly tags = new Map<string, Set<string>>();

  constructor(maxBytes: number, maxObjectBytes: number) {
    this.lru = new LRUCache<string, StoredEntry>({
      maxSize: maxBytes,
      maxEntrySize: maxObjectBytes + 64 * 1024,
      sizeCalculation: objectBytes,
      ttlAutopurge: false,
      allowStale: false,
      dispose: (entry, key) => this.untag(key, entry),
    });
  }

  private untag(key: string, entry: StoredEntry): void {
    for (const tag of entry.tags) {
      const keys = this.tags.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.tags.delete(tag);
    }
  }

  get(key: string): StoredEntry | undefined {
    return this.lru.get(key);
  }

  set(key: string, entry: StoredEntry, ttlMs: number): void {
    this.lru.set(key, entry, { ttl: ttlMs });
    if (!this.lru.has(key)) return; // too large for the store
    for (const tag of entry.tags) {
      let keys = this.tags.get(tag);
      if (!keys) this.tags.set(tag, keys = new Set());
      keys.add(key);
    }
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  purgeTags(tags: readonly string[], soft: boolean): number {
    const keys = new Set<string>();
    for (const tag of tags) for (const key of this.tags.get(tag) ?? []) keys.add(key);
    return this.purgeKeys(keys, soft);
  }

  purgeAll(soft: boolean): number {
    if (!soft) {
      const n = this.lru.size;
      this.lru.clear();
      this.tags.clear();
      return n;
    }
    return this.purgeKeys(new Set(this.lru.keys()), true);
  }

  private purgeKeys(keys: Set<string>, soft: boolean): number {
    let n = 0;
    for (const key of keys) {
      const entry = this.lru.peek(key);
      if (!entry) continue;
      n++;
      if (!soft || entry.kind === 'vary') this.lru.delete(key);
      else entry.softPurged = true;
    }
    return n;
  }

  size(): { objects: number; bytes: number } {
    return { objects: this.lru.size, bytes: this.lru.calculatedSize };
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
