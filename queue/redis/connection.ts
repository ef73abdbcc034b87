// The two kinds of Redis connection the queue uses, with opposite failure behaviour:
//  - producers fail fast: no offline queue, one retry per command, a short connect timeout, so an
//    enqueue during an outage rejects at once instead of hanging the request that called it;
//  - workers wait forever: commands queue while disconnected and the socket reconnects with a
//    capped backoff for as long as the process lives, so workers resume by themselves.
// BullMQ only accepts ready-made ioredis instances under ESM, which is why we build them here.
import { Redis, type RedisOptions } from 'ioredis';

/** Reconnect delay after the n-th failed attempt: 100 ms doubling, capped at 2 s, forever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 2_000);
}

export function producerConnection(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: reconnectDelay,
    connectionName: 'tiered-producer',
    ...options,
  });
  redis.on('error', () => {}); // surfaced per command as RedisUnavailableError
  return redis;
}

export function workerConnection(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null, // BullMQ requires it for blocking commands
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
    connectionName: 'tiered-worker',
    ...options,
  });
  redis.on('error', () => {}); // reconnects forever; the worker logs state changes
  return redis;
}
