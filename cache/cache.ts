// createCache: the public face of the cache tier. Wires the store (memcached ring, Redis or
// memory), the breaker, L1, the invalidation bus and the read-through engine, and owns
// per-process single-flight and invalidation (delete, never update).
import { randomUUID } from 'node:crypto';
import { parseDuration } from '../sdk/config/units.js';
import { createLogger } from '../sdk/log/logger.js';
import { Breaker } from './breaker.js';
import { createBus, type InvalidationBus } from './bus.js';
import { decodeEntry, jsonSerializer, type Entry, type Serializer } from './envelope.js';
import { StoreDownError } from './errors.js';
import { classify, shouldRefreshEarly } from './freshness.js';
import { keySpace, type KeySpace } from './keys.js';
import { L1 } from './l1.js';
import { createCacheMetrics, type CacheMetrics } from './metrics.js';
import { resolveDefaults, resolveLoad, type CacheOptions, type LoadOptions, type ResolvedLoad, type StoreSpec } from './options.js';
import { ReadThrough, singleOf, type Loader, type ManyLoader } from './read-through.js';
import type { CacheStore } from './store.js';
import { createMemcachedStore } from './stores/memcached.js';
import { createMemoryStore } from './stores/memory.js';
import { createRedisStore } from './stores/redis.js';
import { bumpTags } from './tags.js';

const log = createLogger('cache');

export function openStore(spec: StoreSpec): CacheStore {
  if (spec === 'memory') return createMemoryStore();
  if ('get' in spec && typeof spec.get === 'function') return spec as CacheStore;
  if ('memory' in spec) return createMemoryStore(spec.memory);
  const timeoutMs = 'timeout' in spec && spec.timeout !== undefined ? parseDuration(spec.timeout) : undefined;
  if ('memcached' in spec) return createMemcachedStore({ servers: spec.memcached, maxItemSize: spec.maxItemSize, timeoutMs });
  if ('redis' in spec) return createRedisStore({ url: spec.redis, prefix: spec.prefix, maxItemSize: spec.maxItemSize, timeoutMs });
  throw new TypeError('cache store: expected "memory", { memcached: [...] }, { redis: url } or a CacheStore');
}

export class Cache {
  readonly namespace: string;
  readonly store: CacheStore;
  readonly id = randomUUID();
  private readonly keys: KeySpace;
  private readonly defaults: ResolvedLoad;
  private readonly l1?: L1;
  private readonly bus?: InvalidationBus;
  private readonly breaker: Breaker;
  private readonly metrics: CacheMetrics;
  private readonly engine: ReadThrough;
  private readonly flights = new Map<string, Promise<unknown>>();
  private readonly serializer: Serializer;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly ownsStore: boolean;
  private readonly beta: number;

  constructor(options: CacheOptions) {
    this.namespace = options.namespace ?? 'tiered';
    this.store = openStore(options.store);
    this.ownsStore = this.store !== options.store;
    this.keys = keySpace(this.namespace);
    this.defaults = resolveDefaults(options);
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.serializer = options.serializer ?? jsonSerializer;
    this.beta = options.beta ?? 1;
    this.metrics = createCacheMetrics(this.namespace);
    this.breaker = new Breaker(
      { failureThreshold: 3, cooldownMs: 1000, maxCooldownMs: 30_000, ...options.breaker },
      this.clock,
      (mode) => {
        this.metrics.breaker(mode);
        log[mode === 'open' ? 'warn' : 'info']({ store: this.store.kind, mode }, `cache store breaker ${mode}`);
      },
    );
    if (options.l1 !== false) {
      this.l1 = new L1({ maxEntries: options.l1?.maxEntries ?? 10_000, ttlMs: options.l1?.ttl === undefined ? 60_000 : parseDuration(options.l1.ttl) });
    }
    if (options.bus) {
      this.bus = createBus(options.bus.redis, this.namespace, {
        onMessage: (message) => {
          if (message.keys) this.forgetKeys(message.keys);
          if (message.tags) this.forgetTags(message.tags);
        },
        onGap: () => this.l1?.clear(),
        onMalformed: () => this.metrics.malformed('bus'),
      });
    }
    this.engine = new ReadThrough({
      store: this.store, keys: this.keys, serializer: this.serializer, breaker: this.breaker, metrics: this.metrics,
      l1: this.l1, clock: this.clock, random: this.random, beta: this.beta, jitter: options.jitter ?? 0.1,
      leaseTtl: options.leaseTtl === undefined ? this.defaults.hardTimeout + 2000 : parseDuration(options.leaseTtl),
      leaseWait: options.leaseWait === undefined ? 3000 : parseDuration(options.leaseWait),
    });
  }

  /** Resolves once the bus (if any) is subscribed. */
  async ready(): Promise<void> {
    await this.bus?.ready;
  }

  /**
   * The cached value, or the loader's (cached for next time). `undefined` from the loader
   * means "not found" and is cached for negativeTtl.
   */
  getOrLoad<T>(key: string, loader: Loader<T>, options?: LoadOptions): Promise<T | undefined> {
    let full: string;
    try {
      full = this.keys.entry(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const local = this.fromL1(key, full, loader, options);
    if (local) return Promise.resolve(local.value);
    let flight = this.flights.get(full) as Promise<T | undefined> | undefined;
    if (!flight) {
      const started: Promise<T | undefined> = this.engine.resolve(key, loader, resolveLoad(this.defaults, options)).finally(() => {
        if (this.flights.get(full) === started) this.flights.delete(full);
      });
      flight = started;
      this.flights.set(full, flight);
    }
    return flight;
  }

  /**
   * Many keys at once: what getOrLoad does for one, with one store read for all of them and ONE
   * `loader(missingKeys)` call for the misses (answers in the order of the keys it was given;
   * `undefined` = not found, cached for negativeTtl). L1 hits and keys already loading in this
   * process are not read again; the options (ttl, tags…) apply to every key. Answers come back
   * in the order of `keys` (duplicates allowed).
   */
  getMany<T>(keys: readonly string[], loader: ManyLoader<T>, options?: LoadOptions): Promise<(T | undefined)[]> {
    let fulls: string[];
    try {
      fulls = keys.map((k) => this.keys.entry(k));
    } catch (error) {
      return Promise.reject(error);
    }
    const answers = new Map<string, Promise<T | undefined>>();
    const mine: string[] = [];
    const settle = new Map<string, { resolve: (v: T | undefined) => void; reject: (e: unknown) => void }>();
    keys.forEach((key, i) => {
      if (answers.has(key)) return;
      const full = fulls[i];
      const local = this.fromL1(key, full, singleOf(key, loader), options);
      if (local) return void answers.set(key, Promise.resolve(local.value));
      const joined = this.flights.get(full) as Promise<T | undefined> | undefined;
      if (joined) return void answers.set(key, joined);
      const flight = new Promise<T | undefined>((resolve, reject) => settle.set(key, { resolve, reject }));
      flight.catch(() => {}); // rejected through Promise.all below; a flight nobody else joined must not be unhandled
      const done = () => {
        if (this.flights.get(full) === flight) this.flights.delete(full);
      };
      flight.then(done, done);
      this.flights.set(full, flight);
      answers.set(key, flight);
      mine.push(key);
    });
    if (mine.length) {
      this.engine.resolveMany(mine, loader, resolveLoad(this.defaults, options)).then(
        (values) => mine.forEach((key, i) => settle.get(key)!.resolve(values[i])),
        (error) => mine.forEach((key) => settle.get(key)!.reject(error)),
      );
    }
    return Promise.all(keys.map((key) => answers.get(key)!));
  }

  /** A fresh cached value without loading (undefined on a miss, a stale value or store trouble). */
  async peek<T>(key: string): Promise<T | undefined> {
    const full = this.keys.entry(key);
    const raw = await this.store.get(full).catch(() => undefined);
    if (!raw) return undefined;
    let entry: Entry<T>;
    try {
      entry = decodeEntry<T>(key, raw, this.serializer);
    } catch (error) {
      this.metrics.malformed('entry');
      log.warn({ err: error, key, bytes: raw.length }, 'undecodable cache entry treated as a miss and deleted');
      this.store.delete(full).catch(() => {});
      return undefined;
    }
    return classify(entry, this.clock()) === 'fresh' ? entry.value : undefined;
  }

  /** Deletes keys everywhere (store, every L1). Voids leases first so in-flight loads cannot write back. */
  async invalidate(keys: string | readonly string[]): Promise<void> {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    if (list.length === 0) return;
    const fulls = list.map((k) => this.keys.entry(k));
    this.forgetKeys(fulls);
    const results = await Promise.allSettled(list.map(async (key, i) => {
      await this.store.delete(this.keys.lease(key));
      await this.store.delete(fulls[i]);
    }));
    await this.publish({ keys: fulls });
    this.metrics.invalidation('key', list.length);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason instanceof StoreDownError ? failed.reason : new StoreDownError(this.store.kind, failed.reason);
  }

  /** Makes every entry carrying one of the tags stale (one increment per tag, no scan). */
  async invalidateTags(tags: string | readonly string[]): Promise<void> {
    const list = typeof tags === 'string' ? [tags] : [...tags];
    if (list.length === 0) return;
    const versions = await bumpTags(this.store, this.keys, list, this.random);
    this.forgetTags(versions);
    await this.publish({ tags: versions });
    this.metrics.invalidation('tag', list.length);
  }

  /** Records the commit-to-invalidation lag (used by the outbox relay). */
  recordRelayLag(ms: number): void {
    this.metrics.relayLag(ms);
  }

  /** True when there is no bus, or the bus is subscribed (L1 is trusted). */
  get busConnected(): boolean {
    return !this.bus || this.bus.healthy;
  }

  /** 'closed' when the store is trusted; 'open'/'half-open' while degraded. */
  get breakerMode(): string {
    return this.breaker.mode;
  }

  async close(): Promise<void> {
    await this.bus?.close();
    if (this.ownsStore) await this.store.close();
  }

  /** A fresh L1 entry (trusted only while the bus is subscribed), refreshed early by XFetch. */
  private fromL1<T>(key: string, full: string, loader: Loader<T>, options?: LoadOptions): { value: T | undefined } | undefined {
    if (!this.l1 || (this.bus && !this.bus.healthy)) return undefined;
    const now = this.clock();
    const entry = this.l1.get(full, now);
    if (!entry) return undefined;
    this.metrics.hit('l1');
    // XFetch on L1 hits too: a key served only from L1 is still refreshed before it expires
    if (shouldRefreshEarly(entry, now, this.random, this.beta)) {
      this.engine.refreshInBackground(key, loader, resolveLoad(this.defaults, options), entry as Entry<T>);
    }
    return { value: entry.value as T | undefined };
  }

  /**
   * Drops local copies of invalidated keys: L1 entries, and in-flight loads (callers arriving
   * after an invalidation start a new load instead of joining one that may have read old data).
   */
  private forgetKeys(fulls: readonly string[]): void {
    this.l1?.deleteKeys(fulls);
    for (const full of fulls) this.flights.delete(full);
  }

  /** Tag bumps: which flights carry the tag is not tracked, so every in-flight load is forgotten. */
  private forgetTags(versions: Record<string, string>): void {
    this.l1?.bumpTags(versions);
    this.flights.clear();
  }

  private async publish(message: { keys?: string[]; tags?: Record<string, string> }): Promise<void> {
    if (!this.bus) return;
    await this.bus.publish(message);
  }
}

export function createCache(options: CacheOptions): Cache {
  return new Cache(options);
}
