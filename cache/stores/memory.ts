// In-process store on lru-cache, bounded by entries and by bytes. Useful alone (one process,
// tests) and as the shape of L1. Values are copied in and out so callers cannot mutate them.
import { LRUCache } from 'lru-cache';
import { ValueTooLargeError } from '../errors.js';
import type { CacheStore } from '../store.js';

export interface MemoryStoreOptions {
  maxEntries?: number;
  /** Total bytes of keys + values (default 64 MiB). */
  maxBytes?: number;
  maxItemSize?: number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): CacheStore {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxItemSize = Math.min(options.maxItemSize ?? 1024 * 1024, maxBytes);
  const lru = new LRUCache<string, Buffer>({
    max: options.maxEntries ?? 100_000,
    maxSize: maxBytes,
    sizeCalculation: (value, key) => value.length + key.length + 1,
  });
  const ttlOf = (ttlMs: number) => (ttlMs > 0 ? Math.ceil(ttlMs) : undefined);
  const checkSize = (key: string, value: Buffer) => {
    if (value.length > maxItemSize) throw new ValueTooLargeError(key, value.length, maxItemSize, 'memory');
  };
  const get = (key: string) => {
    const value = lru.get(key);
    return value ? Buffer.from(value) : undefined;
  };
  return {
    kind: 'memory',
    maxItemSize,
    get: async (key) => get(key),
    getMulti: async (keys) => keys.map(get),
    async set(key, value, ttlMs) {
      checkSize(key, value);
      lru.set(key, Buffer.from(value), { ttl: ttlOf(ttlMs) });
    },
    async add(key, value, ttlMs) {
      checkSize(key, value);
      if (lru.has(key)) return false;
      lru.set(key, Buffer.from(value), { ttl: ttlOf(ttlMs) });
      return true;
    },
    delete: async (key) => lru.delete(key),
    async incr(key, initial) {
      const current = lru.get(key);
      // a counter holding anything but a decimal number starts over at `initial`, as on Redis and memcached
      const text = current?.toString('latin1');
      const next = text === undefined || !/^[0-9]{1,15}$/.test(text) ? initial : Number(text) + 1;
      const ttl = next === initial ? undefined : lru.getRemainingTTL(key);
      lru.set(key, Buffer.from(String(next)), { ttl: ttl && Number.isFinite(ttl) && ttl > 0 ? ttl : undefined });
      return next;
    },
    async fillIfLeased(leaseKey, token, key, value, ttlMs) {
      checkSize(key, value);
      if (lru.get(leaseKey)?.toString() !== token) return false;
      lru.set(key, Buffer.from(value), { ttl: ttlOf(ttlMs) });
      lru.delete(leaseKey);
      return true;
    },
    async close() {
      lru.clear();
    },
  };
}
