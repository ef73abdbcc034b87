// Options of createCache and of one getOrLoad call, with their defaults, turned into plain
// milliseconds once. Durations accept what tiered.yaml accepts: '5m', '150ms' or a number of ms.
import { parseDuration } from '../sdk/config/units.js';
import type { Serializer } from './envelope.js';
import type { BreakerPolicy } from './breaker.js';
import type { CacheStore } from './store.js';
import type { MemoryStoreOptions } from './stores/memory.js';

export type Duration = string | number;

export type StoreSpec =
  | CacheStore
  | 'memory'
  | { memory: MemoryStoreOptions }
  | { memcached: readonly string[]; maxItemSize?: number; timeout?: Duration }
  | { redis: string; prefix?: string; maxItemSize?: number; timeout?: Duration };

export interface LoadOptions {
  /** How long a loaded value is fresh (default: the cache's ttl). */
  ttl?: Duration;
  /** How long after that a stale value may still be served when the loader fails or is slow. */
  grace?: Duration;
  /** TTL of a cached "not found" (the loader returned undefined). */
  negativeTtl?: Duration;
  /** Tags: invalidateTags([tag]) makes this entry stale. */
  tags?: readonly string[];
  /** With a stale value at hand, wait this long for the loader before serving stale. */
  softTimeout?: Duration;
  /** Without one, fail with LoadTimeoutError after this long. */
  hardTimeout?: Duration;
}

export interface CacheOptions extends Omit<LoadOptions, 'tags'> {
  store: StoreSpec;
  /** Prefix of every key this cache writes; also the metrics' cache.namespace. */
  namespace?: string;
  /** In-process L1 in front of the store; false to disable. Default on (10,000 entries, 1 min). */
  l1?: false | { maxEntries?: number; ttl?: Duration };
  /** Redis pub/sub invalidation bus so every process drops its L1 copies. */
  bus?: { redis: string };
  /** Share of the TTL (0..1) randomly taken off each entry's TTL (default 0.1). */
  jitter?: number;
  /** XFetch beta (default 1; 0 disables early refresh). */
  beta?: number;
  /** How long a lease is held at most (default hardTimeout + 2 s). */
  leaseTtl?: Duration;
  /**
   * How long a caller with no stale value waits for another process's lease before calling
   * the loader itself, without caching (default 3 s, at most the hard timeout). Bounds the
   * wait when a lease holder died.
   */
  leaseWait?: Duration;
  serializer?: Serializer;
  breaker?: Partial<BreakerPolicy>;
  /** Injected for tests. */
  clock?: () => number;
  random?: () => number;
}

export interface ResolvedLoad {
  ttl: number;
  grace: number;
  negativeTtl: number;
  tags: readonly string[];
  softTimeout: number;
  hardTimeout: number;
}

const ms = (value: Duration | undefined, fallback: number): number => (value === undefined ? fallback : parseDuration(value));

export function resolveDefaults(options: CacheOptions): ResolvedLoad {
  return {
    ttl: ms(options.ttl, 5 * 60_000),
    grace: ms(options.grace, 0),
    negativeTtl: ms(options.negativeTtl, 30_000),
    tags: [],
    softTimeout: ms(options.softTimeout, 1000),
    hardTimeout: ms(options.hardTimeout, 10_000),
  };
}

export function resolveLoad(defaults: ResolvedLoad, options: LoadOptions = {}): ResolvedLoad {
  return {
    ttl: ms(options.ttl, defaults.ttl),
    grace: ms(options.grace, defaults.grace),
    negativeTtl: ms(options.negativeTtl, defaults.negativeTtl),
    tags: options.tags ?? defaults.tags,
    softTimeout: ms(options.softTimeout, defaults.softTimeout),
    hardTimeout: ms(options.hardTimeout, defaults.hardTimeout),
  };
}
