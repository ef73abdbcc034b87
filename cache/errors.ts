// Errors of the cache component: one base class, a stable `code` per error.
import { TieredError } from '../sdk/errors.js';

export class CacheError extends TieredError {}

/** The store (memcached, Redis) could not be reached or answered with an error. */
export class StoreDownError extends CacheError {
  /**
   * True when only part of the store failed (one memcached node of several): the adapter
   * ejects that node itself, so the cache-wide breaker must not open for it.
   */
  readonly partial: boolean;
  constructor(store: string, cause?: unknown, options: { partial?: boolean } = {}) {
    super('TIERED_ERR_CACHE_STORE_DOWN', `cache store ${store} is unavailable${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
    this.partial = options.partial ?? false;
  }
}

/** A value larger than the store's item limit: refused, never chunked. */
export class ValueTooLargeError extends CacheError {
  readonly size: number;
  readonly limit: number;
  constructor(key: string, size: number, limit: number, store: string) {
    super(
      'TIERED_ERR_CACHE_VALUE_TOO_LARGE',
      `value for "${key}" is ${size} bytes serialized, over the ${store} item limit of ${limit} bytes; ` +
        'Tiered refuses oversize values (it does not chunk them): cache a smaller projection or raise maxItemSize',
    );
    this.size = size;
    this.limit = limit;
  }
}

/** A key memcached or Redis cannot hold (too long, spaces or control characters for memcached). */
export class InvalidKeyError extends CacheError {
  constructor(key: string, reason: string) {
    super('TIERED_ERR_CACHE_INVALID_KEY', `invalid cache key ${JSON.stringify(key.slice(0, 80))}: ${reason}`);
  }
}

/** The loader did not finish within the hard timeout and no stale value could be served. */
export class LoadTimeoutError extends CacheError {
  constructor(key: string, timeoutMs: number) {
    super('TIERED_ERR_CACHE_LOAD_TIMEOUT', `loader for "${key}" did not finish within the hard timeout of ${timeoutMs}ms`);
  }
}

/** A stored value could not be decoded (foreign data under the namespace, or a serializer change). */
export class DecodeError extends CacheError {
  constructor(key: string, cause?: unknown) {
    super('TIERED_ERR_CACHE_DECODE', `cached value for "${key}" could not be decoded`, { cause });
  }
}

/** The outbox relay could not apply an invalidation (it will retry). */
export class RelayError extends CacheError {
  constructor(message: string, cause?: unknown) {
    super('TIERED_ERR_CACHE_RELAY', message, { cause });
  }
}
