// Redis adapter (ioredis). Commands fail fast while Redis is away (one retry, a command
// timeout) so the breaker above can open instead of callers queueing behind a dead socket.
import { Redis } from 'ioredis';
import { createLogger } from '../../sdk/log/logger.js';
import { StoreDownError, ValueTooLargeError } from '../errors.js';
import type { CacheStore } from '../store.js';

export interface RedisStoreOptions {
  url: string;
  /** Key prefix inside Redis (e.g. to share one Redis with BullMQ); default none. */
  prefix?: string;
  /** Item limit in bytes (default 8 MiB; Redis allows 512 MiB but huge values hurt everyone). */
  maxItemSize?: number;
  timeoutMs?: number;
}

// Creates the counter at `initial` when absent, else increments it (INCR alone starts at 1).
const INCR_FROM = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1])
  return tonumber(ARGV[1])
end
return redis.call('INCR', KEYS[1])`;

// Stores the value and drops the lease only while the lease still holds the caller's token.
const FILL_IF_LEASED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[2], ARGV[2])
end
redis.call('DEL', KEYS[1])
return 1`;

export function createRedisStore(options: RedisStoreOptions): CacheStore {
  const log = createLogger('cache');
  const redis = new Redis(options.url, {
    keyPrefix: options.prefix,
    maxRetriesPerRequest: 1,
    commandTimeout: options.timeoutMs ?? 500,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  redis.on('error', (error) => log.debug({ err: error }, 'redis store connection error'));
  redis.defineCommand('tieredIncrFrom', { numberOfKeys: 1, lua: INCR_FROM });
  redis.defineCommand('tieredFillIfLeased', { numberOfKeys: 2, lua: FILL_IF_LEASED });
  const maxItemSize = options.maxItemSize ?? 8 * 1024 * 1024;
  const wrap = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (error) {
      throw new StoreDownError('redis', error);
    }
  };
  const checkSize = (key: string, value: Buffer) => {
    if (value.length > maxItemSize) throw new ValueTooLargeError(key, value.length, maxItemSize, 'redis');
  };
  return {
    kind: 'redis',
    maxItemSize,
    get: (key) => wrap(async () => (await redis.getBuffer(key)) ?? undefined),
    getMulti: (keys) =>
      keys.length === 0 ? Promise.resolve([]) : wrap(async () => (await redis.mgetBuffer(...keys)).map((v) => v ?? undefined)),
    async set(key, value, ttlMs) {
      checkSize(key, value);
      await wrap(() => (ttlMs > 0 ? redis.set(key, value, 'PX', Math.ceil(ttlMs)) : redis.set(key, value)));
    },
    async add(key, value, ttlMs) {
      checkSize(key, value);
      return wrap(async () =>
        (ttlMs > 0 ? await redis.set(key, value, 'PX', Math.ceil(ttlMs), 'NX') : await redis.set(key, value, 'NX')) === 'OK');
    },
    delete: (key) => wrap(async () => (await redis.del(key)) > 0),
    incr: (key, initial) => wrap(async () => Number(await (redis as any).tieredIncrFrom(key, initial))),
    async fillIfLeased(leaseKey, token, key, value, ttlMs) {
      checkSize(key, value);
      return wrap(async () => (await (redis as any).tieredFillIfLeased(leaseKey, key, token, value, Math.ceil(ttlMs))) === 1);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
