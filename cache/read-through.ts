// getOrLoad's engine: L2 read (value + tag versions in one round trip), freshness decision,
// lease, load with soft/hard timeouts and grace, fill under the lease, XFetch background
// refresh, and the degraded path (store down: the loader runs directly, still single-flight,
// nothing is cached). The caller (cache.ts) does L1 and per-process single-flight.
import { createLogger } from '../sdk/log/logger.js';
import type { Breaker } from './breaker.js';
import { decodeEntry, encodeEntry, type Entry, type Serializer } from './envelope.js';
import { LoadTimeoutError, StoreDownError, ValueTooLargeError } from './errors.js';
import { classify, entryTimes, jitteredTtl, shouldRefreshEarly, tagsCurrent } from './freshness.js';
import type { KeySpace } from './keys.js';
import type { L1 } from './l1.js';
import { fillUnderLease, isLeaseToken, releaseLease, takeLease, type Lease } from './leases.js';
import type { CacheMetrics } from './metrics.js';
import type { ResolvedLoad } from './options.js';
import type { CacheStore } from './store.js';
import { ensureTagVersions, tagVersionsFrom } from './tags.js';
import { race, sleep } from './timeouts.js';

export type Loader<T> = () => Promise<T | undefined> | T | undefined;

/** getMany's loader: the keys that missed, in order; one answer per key (undefined = not found). */
export type ManyLoader<T> = (keys: string[]) => Promise<readonly (T | undefined)[]> | readonly (T | undefined)[];

/**
 * One call of `loader` for all of `keys`, shared: each key's loader resolves to its own answer.
 * The batch starts when the first key's loader is called (so keys that end up not loading never
 * start it) and runs once.
 */
export function shareBatch<T>(keys: readonly string[], loader: ManyLoader<T>): (key: string) => Loader<T> {
  let batch: Promise<readonly (T | undefined)[]> | undefined;
  const run = () => (batch ??= Promise.resolve().then(() => loader([...keys])).then((values) => {
    if (!Array.isArray(values) || values.length !== keys.length) {
      throw new TypeError(`getMany loader returned ${Array.isArray(values) ? values.length : typeof values} answers for ${keys.length} keys`);
    }
    return values;
  }));
  const index = new Map(keys.map((k, i) => [k, i]));
  return (key) => async () => (await run())[index.get(key)!];
}

/** One key's loader from a ManyLoader (fallbacks and XFetch refreshes of a single key). */
export const singleOf = <T>(key: string, loader: ManyLoader<T>): Loader<T> => () => shareBatch([key], loader)(key)();

export interface ReadThroughDeps {
  store: CacheStore;
  keys: KeySpace;
  serializer: Serializer;
  breaker: Breaker;
  metrics: CacheMetrics;
  l1?: L1;
  clock: () => number;
  random: () => number;
  beta: number;
  jitter: number;
  leaseTtl: number;
  leaseWait: number;
}

const log = createLogger('cache');
const POLL_MS = [5, 10, 20, 40, 80, 100];

export class ReadThrough {
  private readonly refreshing = new Set<string>();
  constructor(private readonly d: ReadThroughDeps) {}

  /** One flight for one key (the caller guarantees one at a time per key in this process). */
  async resolve<T>(key: string, loader: Loader<T>, o: ResolvedLoad): Promise<T | undefined> {
    const { d } = this;
    const full = d.keys.entry(key);
    const epoch = d.l1?.epoch ?? 0;
    if (!d.breaker.admit()) return this.degraded(key, loader, o);
    let entry: Entry<T> | undefined;
    try {
      entry = await this.read<T>(key, full, o.tags);
      d.breaker.success();
    } catch (error) {
      if (!(error instanceof StoreDownError)) throw error;
      this.storeFailed(error);
      return this.degraded(key, loader, o);
    }
    const now = d.clock();
    const state = entry ? classify(entry, now) : 'expired';
    if (entry && state === 'fresh') {
      d.metrics.hit('l2');
      d.l1?.set(full, entry, now, epoch);
      if (shouldRefreshEarly(entry, now, d.random, d.beta)) this.refreshInBackground(key, loader, o, entry);
      return entry.value;
    }
    d.metrics.miss();
    return this.loadUnderLease(key, loader, o, state === 'stale' ? entry : undefined, epoch);
  }

  /**
   * getMany's engine, for distinct keys (the caller guarantees no other flight of them in this
   * process): one store read for every entry and tag version, leases for the misses taken
   * together, ONE loader call for the misses whose lease this call won, each filled under its
   * lease. A miss whose lease another process holds waits for it as getOrLoad does (or serves
   * its stale value); store trouble degrades to one loader call for what is not cached.
   */
  async resolveMany<T>(keys: readonly string[], loader: ManyLoader<T>, o: ResolvedLoad): Promise<(T | undefined)[]> {
    const { d } = this;
    const epoch = d.l1?.epoch ?? 0;
    const degradedAll = () => this.degradedMany(keys, loader, o);
    if (!d.breaker.admit()) return degradedAll();
    let entries: (Entry<T> | undefined)[];
    try {
      entries = await this.readMany<T>(keys, o.tags);
      d.breaker.success();
    } catch (error) {
      if (!(error instanceof StoreDownError)) throw error;
      this.storeFailed(error);
      return degradedAll();
    }
    const out: (T | undefined)[] = new Array(keys.length);
    const misses: number[] = [];
    const now = d.clock();
    entries.forEach((entry, i) => {
      if (entry && classify(entry, now) === 'fresh') {
        d.metrics.hit('l2');
        d.l1?.set(d.keys.entry(keys[i]), entry, now, epoch);
        if (shouldRefreshEarly(entry, now, d.random, d.beta)) this.refreshInBackground(keys[i], singleOf(keys[i], loader), o, entry);
        out[i] = entry.value;
      } else {
        d.metrics.miss();
        misses.push(i);
      }
    });
    if (misses.length === 0) return out;
    const staleOf = (i: number) => {
      const entry = entries[i];
      return entry && classify(entry, now) === 'stale' ? entry : undefined;
    };
    let leases: (Lease | undefined)[];
    try {
      leases = await Promise.all(misses.map((i) => takeLease(d.store, d.keys.lease(keys[i]), d.leaseTtl)));
    } catch (error) {
      if (!(error instanceof StoreDownError)) throw error;
      this.storeFailed(error);
      const values = await this.degradedMany(misses.map((i) => keys[i]), loader, o);
      misses.forEach((i, j) => (out[i] = values[j]));
      return out;
    }
    const won = misses.filter((_, j) => leases[j]);
    const loaderOf = shareBatch(won.map((i) => keys[i]), loader);
    // One read (and repair) of the tag versions for the batch: repairs racing each other would
    // record different versions in its entries.
    const versions = won.length ? this.tagVersions(keys[won[0]], o.tags) : undefined;
    versions?.catch(() => {}); // awaited by each fill below
    await Promise.all(misses.map(async (i, j) => {
      const lease = leases[j];
      const stale = staleOf(i);
      if (lease) {
        try {
          out[i] = await this.loadAndFill(keys[i], loaderOf(keys[i]), o, lease, stale, epoch, versions);
        } catch (error) {
          // The store failed around the fill: as getOrLoad, stale if at hand, else the batch's answer uncached.
          if (!(error instanceof StoreDownError)) throw error;
          this.storeFailed(error);
          out[i] = stale ? stale.value : await this.degraded(keys[i], loaderOf(keys[i]), o);
        }
      } else if (stale) {
        d.metrics.staleServed('lease-held');
        out[i] = stale.value;
      } else {
        // Another process loads this key: wait for its fill like getOrLoad (its own lease loop).
        out[i] = await this.loadUnderLease(keys[i], singleOf(keys[i], loader), o, undefined, epoch);
      }
    }));
    return out;
  }

  /** Entries of many keys (tags checked) with one store read, plus one for tags recorded only in entries. */
  private async readMany<T>(keys: readonly string[], tags: readonly string[]): Promise<(Entry<T> | undefined)[]> {
    const { d } = this;
    const raw = await d.store.getMulti([...keys.map((k) => d.keys.entry(k)), ...tags.map((t) => d.keys.tag(t))]);
    const current = tagVersionsFrom(tags, raw.slice(keys.length));
    const entries = keys.map((key, i): Entry<T> | undefined => {
      const bytes = raw[i];
      if (!bytes) return undefined;
      try {
        return decodeEntry<T>(key, bytes, d.serializer);
      } catch (error) {
        this.malformedEntry(key, d.keys.entry(key), bytes, error);
        return undefined;
      }
    });
    const extra = [...new Set(entries.flatMap((e) => (e ? Object.keys(e.tags) : [])))].filter((t) => !(t in current));
    if (extra.length) Object.assign(current, tagVersionsFrom(extra, await d.store.getMulti(extra.map((t) => d.keys.tag(t)))));
    return entries.map((e) => (e && tagsCurrent(e.tags, current) ? e : undefined));
  }

  /** Store unavailable for a batch: one loader call for all of it (nothing cached). */
  private async degradedMany<T>(keys: readonly string[], loader: ManyLoader<T>, o: ResolvedLoad): Promise<(T | undefined)[]> {
    const loaderOf = shareBatch(keys, loader);
    return Promise.all(keys.map((key) => this.degraded(key, loaderOf(key), o)));
  }

  /** The entry with its tags checked against their current versions; undefined if none or tag-stale. */
  private async read<T>(key: string, full: string, tags: readonly string[]): Promise<Entry<T> | undefined> {
    const { d } = this;
    const [raw, ...tagRaw] = await d.store.getMulti([full, ...tags.map((t) => d.keys.tag(t))]);
    if (!raw) return undefined;
    let entry: Entry<T>;
    try {
      entry = decodeEntry<T>(key, raw, d.serializer);
    } catch (error) {
      this.malformedEntry(key, full, raw, error);
      return undefined;
    }
    const current = tagVersionsFrom(tags, tagRaw);
    const extra = Object.keys(entry.tags).filter((t) => !(t in current));
    if (extra.length) Object.assign(current, tagVersionsFrom(extra, await d.store.getMulti(extra.map((t) => d.keys.tag(t)))));
    return tagsCurrent(entry.tags, current) ? entry : undefined;
  }

  private async loadUnderLease<T>(key: string, loader: Loader<T>, o: ResolvedLoad, stale: Entry<T> | undefined, epoch: number): Promise<T | undefined> {
    const { d } = this;
    const full = d.keys.entry(key);
    const leaseKey = d.keys.lease(key);
    const deadline = Date.now() + Math.min(o.hardTimeout, d.leaseWait); // real time, not the injected clock
    try {
      for (;;) {
        const lease = await takeLease(d.store, leaseKey, this.d.leaseTtl);
        if (lease) return await this.loadAndFill(key, loader, o, lease, stale, epoch);
        if (stale) {
          d.metrics.staleServed('lease-held');
          return stale.value;
        }
        const started = d.clock();
        const waited = await this.waitForHolder<T>(key, full, leaseKey, o.tags, deadline);
        if (waited.kind === 'filled') {
          d.metrics.leaseWait('filled', d.clock() - started);
          d.l1?.set(full, waited.entry, d.clock(), epoch);
          return waited.entry.value;
        }
        if (waited.kind === 'gone') {
          d.metrics.leaseWait('retook', d.clock() - started);
          continue;
        }
        d.metrics.leaseWait('gave-up', d.clock() - started);
        return await this.runLoader(key, loader, o.hardTimeout);
      }
    } catch (error) {
      if (!(error instanceof StoreDownError)) throw error;
      this.storeFailed(error);
      if (stale) {
        d.metrics.staleServed('loader-error');
        return stale.value;
      }
      return this.degraded(key, loader, o);
    }
  }

  /** Polls the value, the lease and the call's tag versions until the holder filled (with current tags) or left. */
  private async waitForHolder<T>(key: string, full: string, leaseKey: string, tags: readonly string[], deadline: number):
  Promise<{ kind: 'filled'; entry: Entry<T> } | { kind: 'gone' } | { kind: 'timeout' }> {
    const { d } = this;
    const tagKeys = tags.map((t) => d.keys.tag(t));
    for (let i = 0; Date.now() < deadline; i++) {
      await sleep(Math.min(POLL_MS[Math.min(i, POLL_MS.length - 1)], Math.max(1, deadline - Date.now())));
      const [raw, lease, ...tagRaw] = await d.store.getMulti([full, leaseKey, ...tagKeys]);
      if (raw) {
        let entry: Entry<T> | undefined;
        try {
          entry = decodeEntry<T>(key, raw, d.serializer);
        } catch (error) {
          this.malformedEntry(key, full, raw, error);
        }
        if (entry) {
          const current = tagVersionsFrom(tags, tagRaw);
          const tagsOk = tags.every((t) => entry.tags[t] === undefined || entry.tags[t] === current[t]);
          if (tagsOk && classify(entry, d.clock()) === 'fresh') return { kind: 'filled', entry };
        }
      }
      if (!lease) return { kind: 'gone' };
      if (!isLeaseToken(lease)) {
        // Not a token takeLease writes (foreign bytes): nobody is loading. Drop it and take the lease.
        d.metrics.malformed('lease');
        log.warn({ key, bytes: lease.length }, 'malformed cache lease deleted');
        await d.store.delete(leaseKey);
        return { kind: 'gone' };
      }
    }
    return { kind: 'timeout' };
  }

  /** Loads under a held lease; serves stale on failure/soft timeout, else honours the hard timeout. */
  private async loadAndFill<T>(key: string, loader: Loader<T>, o: ResolvedLoad, lease: Lease, stale: Entry<T> | undefined, epoch: number,
    versions?: Promise<Record<string, string>>): Promise<T | undefined> {
    const { d } = this;
    const tagVersions = await (versions ?? this.tagVersions(key, o.tags));
    const started = d.clock();
    const filled = (async () => {
      let value: T | undefined;
      try {
        value = await loader();
      } catch (error) {
        d.metrics.load('error', d.clock() - started);
        await releaseLease(d.store, lease).catch(() => {});
        throw error;
      }
      const now = d.clock();
      d.metrics.load('ok', now - started);
      const negative = value === undefined;
      const ttl = jitteredTtl(negative ? o.negativeTtl : o.ttl, d.jitter, d.random);
      const entry: Entry<T> = { ...entryTimes(now, ttl, negative ? 0 : o.grace, now - started), tags: tagVersions, negative, value };
      let bytes: Buffer;
      try {
        bytes = encodeEntry(entry, d.serializer);
        if (bytes.length > d.store.maxItemSize) throw new ValueTooLargeError(key, bytes.length, d.store.maxItemSize, d.store.kind);
        const ok = await fillUnderLease(d.store, lease, d.keys.entry(key), bytes, ttl + (negative ? 0 : o.grace));
        if (ok) d.l1?.set(d.keys.entry(key), entry, d.clock(), epoch);
        else d.metrics.staleSetRejected();
      } catch (error) {
        await releaseLease(d.store, lease).catch(() => {});
        if (error instanceof StoreDownError) this.storeFailed(error);
        throw error;
      }
      return value;
    })();
    filled.catch(() => {}); // a background finish after a timeout must not be an unhandled rejection
    const result = await race(filled, stale ? o.softTimeout : o.hardTimeout);
    if (result.kind === 'value') return result.value;
    if (stale) {
      d.metrics.staleServed(result.kind === 'timeout' ? 'soft-timeout' : 'loader-error');
      if (result.kind === 'error') log.warn({ err: result.error, key }, 'loader failed: serving stale value in grace');
      return stale.value;
    }
    if (result.kind === 'error') throw result.error;
    d.metrics.load('timeout', d.clock() - started);
    throw new LoadTimeoutError(key, o.hardTimeout);
  }

  /** The versions to record (read before loading, so a bump during the load is seen); a foreign counter is replaced. */
  private tagVersions(key: string, tags: readonly string[]): Promise<Record<string, string>> {
    const { d } = this;
    return ensureTagVersions(d.store, d.keys, tags, d.random, (tag) => {
      d.metrics.malformed('tag');
      log.warn({ key, tag }, 'malformed tag counter replaced by a new version');
    });
  }

  /** XFetch: one background refresh per key per process, under a lease (skipped if held). */
  refreshInBackground<T>(key: string, loader: Loader<T>, o: ResolvedLoad, current: Entry<T>): void {
    const { d } = this;
    const full = d.keys.entry(key);
    if (this.refreshing.has(full)) return;
    this.refreshing.add(full);
    void (async () => {
      const lease = await takeLease(d.store, d.keys.lease(key), d.leaseTtl);
      if (lease) await this.loadAndFill(key, loader, { ...o, softTimeout: o.hardTimeout }, lease, current, d.l1?.epoch ?? 0);
    })()
      .catch((error) => log.debug({ err: error, key }, 'early refresh failed'))
      .finally(() => this.refreshing.delete(full));
  }

  /** An entry that does not decode is a miss: logged, counted and deleted (in the background; a fill overwrites it anyway). */
  private malformedEntry(key: string, full: string, raw: Buffer, error: unknown): void {
    const { d } = this;
    d.metrics.malformed('entry');
    log.warn({ err: error, key, bytes: raw.length }, 'undecodable cache entry treated as a miss and deleted');
    d.store.delete(full).catch(() => {});
  }

  /** Whole-store failures count towards the breaker; one dead memcached node is the adapter's business. */
  private storeFailed(error: StoreDownError): void {
    if (!error.partial) this.d.breaker.failure();
  }

  /** Store unavailable: call the loader directly (the caller's single-flight still holds). */
  private async degraded<T>(key: string, loader: Loader<T>, o: ResolvedLoad): Promise<T | undefined> {
    this.d.metrics.degraded();
    return this.runLoader(key, loader, o.hardTimeout);
  }

  private async runLoader<T>(key: string, loader: Loader<T>, timeoutMs: number): Promise<T | undefined> {
    const { d } = this;
    const started = d.clock();
    const result = await race(Promise.resolve().then(loader), timeoutMs);
    if (result.kind === 'value') {
      d.metrics.load('ok', d.clock() - started);
      return result.value;
    }
    if (result.kind === 'error') {
      d.metrics.load('error', d.clock() - started);
      throw result.error;
    }
    d.metrics.load('timeout', d.clock() - started);
    throw new LoadTimeoutError(key, timeoutMs);
  }
}
