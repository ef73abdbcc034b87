// The `cache:` section of tiered.yaml (schema owned by the cache component), and the step
// from a parsed section to createCache / createOutboxRelay options. Defaults live here.
//
//   cache:
//     namespace: app
//     store: { memcached: [127.0.0.1:11211, 127.0.0.1:11212] }   # or { redis: redis://… } or { memory: {} }
//     l1: { maxEntries: 10000, ttl: 1m }                           # or false
//     bus: { redis: redis://127.0.0.1:6379 }
//     ttl: 5m
//     grace: 1h
//     outbox: { db: postgres://…, pollInterval: 5s, purge: { url: http://127.0.0.1:8404/edge/purge, token: … } }
import { z } from 'zod';
import { duration, hostPort, size, url } from '../sdk/config/schema.js';
import type { CacheOptions } from './options.js';

const storeSchema = z.strictObject({
  memcached: z.array(hostPort()).min(1).optional(),
  redis: url('redis:', 'rediss:').optional(),
  memory: z.strictObject({
    maxEntries: z.number().int().min(1).default(100_000),
    maxBytes: size().default(64 * 1024 * 1024),
  }).optional(),
  /** Item limit: larger values are refused (TIERED_ERR_CACHE_VALUE_TOO_LARGE), never chunked. */
  maxItemSize: size().optional(),
  timeout: duration().default(500),
  /** Key prefix inside Redis. */
  prefix: z.string().optional(),
}).superRefine((store, ctx) => {
  const kinds = ['memcached', 'redis', 'memory'].filter((k) => store[k as keyof typeof store] !== undefined);
  if (kinds.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `expected exactly one of memcached, redis, memory, got ${kinds.length ? kinds.join(' and ') : 'none'}` });
  }
});

export const cacheConfigSchema = z.strictObject({
  namespace: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . -').default('tiered'),
  store: storeSchema.default({ memory: { maxEntries: 100_000, maxBytes: 64 * 1024 * 1024 }, timeout: 500 }),
  l1: z.union([z.literal(false), z.strictObject({
    maxEntries: z.number().int().min(1).default(10_000),
    ttl: duration().default(60_000),
  })]).default({ maxEntries: 10_000, ttl: 60_000 }),
  bus: z.strictObject({ redis: url('redis:', 'rediss:') }).optional(),
  ttl: duration().default(5 * 60_000),
  grace: duration().default(0),
  negativeTtl: duration().default(30_000),
  softTimeout: duration().default(1000),
  hardTimeout: duration().default(10_000),
  leaseTtl: duration().optional(),
  leaseWait: duration().default(3000),
  jitter: z.number().min(0).max(1).default(0.1),
  beta: z.number().min(0).default(1),
  breaker: z.strictObject({
    failureThreshold: z.number().int().min(1).default(3),
    cooldown: duration().default(1000),
    maxCooldown: duration().default(30_000),
  }).optional(),
  outbox: z.strictObject({
    db: url('postgres:', 'postgresql:'),
    table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/).default('tiered_cache_outbox'),
    pollInterval: duration().default(5000),
    batchSize: z.number().int().min(1).max(10_000).default(100),
    purge: z.strictObject({ url: url('http:', 'https:'), token: z.string().optional() }).optional(),
  }).optional(),
});

export type CacheConfig = z.output<typeof cacheConfigSchema>;

/** createCache options from a parsed `cache:` section. */
export function cacheOptionsFromConfig(config: CacheConfig): CacheOptions {
  const s = config.store;
  const store: CacheOptions['store'] = s.memcached
    ? { memcached: s.memcached, maxItemSize: s.maxItemSize, timeout: s.timeout }
    : s.redis
      ? { redis: s.redis, prefix: s.prefix, maxItemSize: s.maxItemSize, timeout: s.timeout }
      : { memory: { ...s.memory, maxItemSize: s.maxItemSize } };
  return {
    store,
    namespace: config.namespace,
    l1: config.l1,
    bus: config.bus,
    ttl: config.ttl,
    grace: config.grace,
    negativeTtl: config.negativeTtl,
    softTimeout: config.softTimeout,
    hardTimeout: config.hardTimeout,
    leaseTtl: config.leaseTtl,
    leaseWait: config.leaseWait,
    jitter: config.jitter,
    beta: config.beta,
    breaker: config.breaker && {
      failureThreshold: config.breaker.failureThreshold,
      cooldownMs: config.breaker.cooldown,
      maxCooldownMs: config.breaker.maxCooldown,
    },
  };
}
