// The clients compared by the cache suite, each behind the same tiny shape:
// `get(key)` = read-through of one key (loader = a fake origin that counts its calls).
import memjs from 'memjs';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { createCache, type CacheOptions } from '../../../../cache/index.js';

export interface BenchClient {
  get(key: string): Promise<unknown>;
  /** Origin (loader) calls so far. */
  readonly originCalls: number;
  close(): Promise<void>;
}

const value = (key: string) => ({ key, name: 'benchmark row', n: 42, tags: ['a', 'b', 'c'] });

export function tieredClient(options: CacheOptions): BenchClient {
  const cache = createCache({ ttl: '10m', jitter: 0.1, ...options });
  let calls = 0;
  return {
    get: (key) => cache.getOrLoad(key, async () => {
      calls++;
      return value(key);
    }),
    get originCalls() {
      return calls;
    },
    close: () => cache.close(),
  };
}

export interface BentoOptions {
  redisUrl?: string;
  l1MaxItems?: number;
  bus?: boolean;
}

export async function bentoClient(options: BentoOptions): Promise<BenchClient> {
  const { BentoCache, bentostore } = await import('bentocache');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const { redisDriver, redisBusDriver } = await import('bentocache/drivers/redis');
  let store = bentostore();
  if (options.l1MaxItems) store = store.useL1Layer(memoryDriver({ maxItems: options.l1MaxItems }));
  if (options.redisUrl) {
    const url = new URL(options.redisUrl);
    const connection = { host: url.hostname, port: Number(url.port) };
    store = store.useL2Layer(redisDriver({ connection }));
    if (options.bus) store = store.useBus(redisBusDriver({ connection }));
  }
  const bento = new BentoCache({ default: 'main', stores: { main: store } });
  let calls = 0;
  return {
    get: (key) => bento.getOrSet({
      key,
      ttl: '10m',
      factory: async () => {
        calls++;
        return value(key);
      },
    }),
    get originCalls() {
      return calls;
    },
    close: () => bento.disconnectAll(),
  };
}

/** Plain memjs get of a pre-set key: the floor for a memcached round trip. */
export async function memjsClient(address: string): Promise<BenchClient> {
  const client = memjs.Client.create(address, { logger: { log: () => {} } });
  const bytes = Buffer.from(JSON.stringify(value('raw')));
  const warmed = new Set<string>();
  return {
    async get(key) {
      if (!warmed.has(key)) {
        await client.set(key, bytes, { expires: 600 });
        warmed.add(key);
      }
      return JSON.parse(String((await client.get(key)).value));
    },
    originCalls: 0,
    close: async () => client.close(),
  };
}

/** Plain ioredis GET of a pre-set key: the floor for a Redis round trip. */
export async function ioredisClient(url: string): Promise<BenchClient> {
  const redis = new Redis(url);
  const text = JSON.stringify(value('raw'));
  const warmed = new Set<string>();
  return {
    async get(key) {
      if (!warmed.has(key)) {
        await redis.set(key, text, 'EX', 600);
        warmed.add(key);
      }
      return JSON.parse((await redis.get(key))!);
    },
    originCalls: 0,
    close: async () => void (await redis.quit()),
  };
}

/** A bare lru-cache lookup: the floor for an in-process hit. */
export function lruClient(): BenchClient {
  const lru = new LRUCache<string, object>({ max: 10_000 });
  return {
    async get(key) {
      let v = lru.get(key);
      if (v === undefined) lru.set(key, (v = value(key)));
      return v;
    },
    originCalls: 0,
    close: async () => {},
  };
}
