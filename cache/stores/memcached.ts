// memcached adapter (memjs, binary protocol) with a ketama consistent-hash ring plugged in
// through memjs's `getServer` hook, so adding a server remaps about 1/n of the keys.
// memjs failover is off on purpose: sending a dead node's keys to its neighbour would leave
// stale copies there when the node comes back. Instead each node has its own breaker: after
// 2 consecutive errors its keys fail fast (StoreDownError, so getOrLoad degrades to the loader
// for those keys only) until a probe succeeds; the other nodes keep serving.
import memjs from 'memjs';
import { createLogger } from '../../sdk/log/logger.js';
import { StoreDownError, ValueTooLargeError } from '../errors.js';
import { ttlSeconds, type CacheStore } from '../store.js';
import { memcachedPlacement } from './ring.js';
import { Breaker } from '../breaker.js';

export interface MemcachedStoreOptions {
  /** `host:port` of every memcached server, in ring order (order does not change placement). */
  servers: readonly string[];
  /** Item limit in bytes (memcached `-I`, 1 MiB by default, minus room for key and header). */
  maxItemSize?: number;
  /** Per-operation timeout in ms (default 500). */
  timeoutMs?: number;
}

const DEFAULT_MAX_ITEM = 1024 * 1024 - 1024;
const THIRTY_DAYS = 30 * 24 * 3600;

/** memcached reads an expiry over 30 days as a Unix time, so long TTLs are sent as one. */
export function memcachedExpiry(ttlMs: number, nowMs = Date.now()): number {
  const seconds = ttlSeconds(ttlMs);
  return seconds > THIRTY_DAYS ? Math.floor(nowMs / 1000) + seconds : seconds;
}

export function createMemcachedStore(options: MemcachedStoreOptions): CacheStore {
  const log = createLogger('cache');
  const timeout = (options.timeoutMs ?? 500) / 1000;
  const client = memjs.Client.create(options.servers.join(','), {
    retries: 1,
    timeout,
    conntimeout: timeout * 2,
    keepAlive: true,
    failover: false,
    logger: { log: (...args: unknown[]) => log.debug({ memjs: args.map(String).join(' ') }, 'memjs') },
  });
  const ring = memcachedPlacement(options.servers);
  // memjs uses the returned value as an index into client.servers (its .d.ts says string).
  // wrap() has just located the key (memjs asks synchronously inside the same call): reuse it.
  let located = { key: '', index: 0 };
  const locate = (key: string) => (key === located.key ? located.index : ring.locate(key));
  (client as unknown as { getServer: (key: string) => number }).getServer = locate;
  const maxItemSize = options.maxItemSize ?? DEFAULT_MAX_ITEM;
  const nodes = options.servers.map((address) => ({
    address,
    breaker: new Breaker({ failureThreshold: 2, cooldownMs: 500, maxCooldownMs: 10_000 }, Date.now, (mode) =>
      log[mode === 'open' ? 'warn' : 'info']({ server: address, mode }, `memcached node ${mode === 'open' ? 'ejected' : mode}`)),
  }));
  const partial = nodes.length > 1;
  const wrap = async <T>(key: string, op: () => Promise<T>): Promise<T> => {
    located = { key, index: ring.locate(key) };
    const node = nodes[located.index];
    if (!node.breaker.admit()) throw new StoreDownError(`memcached ${node.address} (ejected)`, undefined, { partial });
    try {
      const result = await op();
      node.breaker.success();
      return result;
    } catch (error) {
      node.breaker.failure();
      throw new StoreDownError(`memcached ${node.address}`, error, { partial });
    }
  };
  const checkSize = (key: string, value: Buffer) => {
    if (value.length > maxItemSize) throw new ValueTooLargeError(key, value.length, maxItemSize, 'memcached');
  };
  const get = (key: string) => wrap(key, async () => (await client.get(key)).value ?? undefined);
  return {
    kind: 'memcached',
    maxItemSize,
    get,
    getMulti: (keys) => Promise.all(keys.map(get)),
    async set(key, value, ttlMs) {
      checkSize(key, value);
      await wrap(key, () => client.set(key, value, { expires: memcachedExpiry(ttlMs) }));
    },
    async add(key, value, ttlMs) {
      checkSize(key, value);
      return wrap(key, async () => (await client.add(key, value, { expires: memcachedExpiry(ttlMs) })) === true);
    },
    delete: (key) => wrap(key, async () => (await client.delete(key)) === true),
    incr: (key, initial) =>
      wrap(key, async () => {
        let value: number | null | undefined;
        try {
          ({ value } = await client.increment(key, 1, { initial }));
        } catch (error) {
          // A counter holding foreign bytes: start it over (a new version; not a node failure).
          if (!/non-numeric/.test((error as Error)?.message ?? '')) throw error;
          await client.set(key, Buffer.from(String(initial)), { expires: 0 });
          return initial;
        }
        if (typeof value !== 'number') throw new Error(`increment of ${key} returned no value`);
        return value;
      }),
    async close() {
      client.close();
    },
  };
}
