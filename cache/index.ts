// Public API of tiered/cache.
export { createCache, openStore, Cache } from './cache.js';
export { cacheConfigSchema, cacheOptionsFromConfig, type CacheConfig } from './config.js';
export type { CacheOptions, LoadOptions, StoreSpec, Duration } from './options.js';
export type { Loader, ManyLoader } from './read-through.js';
export type { CacheStore } from './store.js';
export type { Serializer } from './envelope.js';
export { jsonSerializer } from './envelope.js';
export { createMemcachedStore, type MemcachedStoreOptions } from './stores/memcached.js';
export { createRedisStore, type RedisStoreOptions } from './stores/redis.js';
export { createMemoryStore, type MemoryStoreOptions } from './stores/memory.js';
export { memcachedPlacement, type KeyPlacement } from './stores/ring.js';
export {
  CacheError, StoreDownError, ValueTooLargeError, InvalidKeyError, LoadTimeoutError, DecodeError, RelayError,
} from './errors.js';
export { withInvalidation, type InvalidationOptions } from './outbox/write.js';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions, type InvalidationTarget } from './outbox/relay.js';
export { ensureOutboxTable, outboxDdl, type Queryable } from './outbox/schema.js';
export { httpPurger, type Purger, type HttpPurgerOptions } from './outbox/purger.js';
