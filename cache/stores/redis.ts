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
// A key that is not a decimal counter (another type, foreign bytes, near overflow) starts over
// at `initial`: a new version, so entries recorded with the old one stop matching.
const INCR_FROM = `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'string' then
  local v = redis.call('GET', KEYS[1])
  if string.len(v) <= 18 and string.match(v, '^[0-9]+$') then return redis.call('INCR', KEYS[1]) end
end
if t ~= 'none' then redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[1])
return tonumber(ARGV[1])`;

// SET NX, except that a key of another type (foreign data under the namespace) is replaced:
// a lease or tag key holding a list would otherwise block every add (and MGET reads it as nil).
const ADD = `
local t = redis.call('TYPE', KEYS[1]).ok
if t ~= 'none' and t ~= 'string' then redis.call('DEL', KEYS[1]) end
local r
if tonumber(ARGV[2]) > 0 then r = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX')
else r = redis.call('SET', KEYS[1], ARGV[1], 'NX') end
if r then return 1 end
return 0`;

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
  redis.defineCommand('tieredAdd', { numberOfKeys: 1, lua: ADD });
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
    // a key of another type (foreign data) reads as a miss, as MGET does, not as a store failure
    get: (key) => wrap(async () => (await redis.mgetBuffer(key))[0] ?? undefined),
    getMulti: (keys) =>
      keys.length === 0 ? Promise.resolve([]) : wrap(async () => (await redis.mgetBuffer(...keys)).map((v) => v ?? undefined)),
    async set(key, value, ttlMs) {
      checkSize(key, value);
      await wrap(() => (ttlMs > 0 ? redis.set(key, value, 'PX', Math.ceil(ttlMs)) : redis.set(key, value)));
    },
    async add(key, value, ttlMs) {
      checkSize(key, value);
      return wrap(async () => (await (redis as any).tieredAdd(key, value, ttlMs > 0 ? Math.ceil(ttlMs) : 0)) === 1);
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
