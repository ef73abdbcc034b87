// L1: decoded entries in process memory (lru-cache, bounded by entries), in front of the
// shared store. Consistency comes from the bus: key deletes drop entries, tag bumps record
// the new version so entries carrying an older one stop matching, and every invalidation
// bumps an epoch so a fill racing an invalidation is skipped. Values are shared objects:
// callers must not mutate what getOrLoad returns.
import { LRUCache } from 'lru-cache';
import type { Entry } from './envelope.js';
import { classify } from './freshness.js';

export interface L1Options {
  maxEntries: number;
  /** Longest time an entry stays in L1 even if fresher in L2 (bounds staleness without a bus). */
  ttlMs: number;
}

export class L1 {
  private readonly lru: LRUCache<string, Entry>;
  private readonly tagVersions = new Map<string, string>();
  /** Past this many known tag versions L1 starts over (safe: forgetting a version could serve stale). */
  private readonly maxTags: number;
  /** Bumped by every invalidation; fills started under an older epoch are dropped. */
  epoch = 0;

  constructor(private readonly options: L1Options) {
    this.lru = new LRUCache<string, Entry>({ max: options.maxEntries, ttlAutopurge: false });
    this.maxTags = Math.max(1000, options.maxEntries * 4);
  }

  /** A fresh entry whose tags are all current, else undefined. */
  get(key: string, now: number): Entry | undefined {
    const entry = this.lru.get(key);
    if (!entry) return undefined;
    if (classify(entry, now) !== 'fresh') return undefined;
    for (const tag in entry.tags) {
      const known = this.tagVersions.get(tag);
      if (known !== undefined && known !== entry.tags[tag]) {
        this.lru.delete(key);
        return undefined;
      }
    }
    return entry;
  }

  set(key: string, entry: Entry, now: number, epoch: number): void {
    if (epoch !== this.epoch) return;
    const ttl = Math.min(this.options.ttlMs, entry.freshUntil - now);
    if (ttl <= 0) return;
    for (const [tag, version] of Object.entries(entry.tags)) {
      if (!this.tagVersions.has(tag)) this.tagVersions.set(tag, version);
    }
    if (this.tagVersions.size > this.maxTags) {
      this.clear();
      return;
    }
    this.lru.set(key, entry, { ttl });
  }

  deleteKeys(keys: readonly string[]): void {
    this.epoch++;
    for (const key of keys) this.lru.delete(key);
  }

  bumpTags(versions: Record<string, string>): void {
    this.epoch++;
    for (const [tag, version] of Object.entries(versions)) this.tagVersions.set(tag, version);
    if (this.tagVersions.size > this.maxTags) this.clear();
  }

  /** Drop everything (bus reconnected: messages may have been missed). */
  clear(): void {
    this.epoch++;
    this.lru.clear();
    this.tagVersions.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}
