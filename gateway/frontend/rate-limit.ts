// Per-client rate limiting: one token bucket per client IP (refill `rate` tokens/s, up to
// `burst`), kept in an LRU so a flood of addresses cannot grow memory without bound.
import { LRUCache } from 'lru-cache';
import { monotonicClock, type Clock } from '../../sdk/random.js';

export interface Bucket {
  tokens: number;
  stamp: number;
}

/** Takes one token if there is one. Pure: returns the new bucket and, when refused, the wait in ms. */
export function takeToken(bucket: Bucket | undefined, now: number, rate: number, burst: number): { bucket: Bucket; allowed: boolean; retryAfterMs: number } {
  const tokens = bucket ? Math.min(burst, bucket.tokens + ((now - bucket.stamp) * rate) / 1000) : burst;
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, stamp: now }, allowed: true, retryAfterMs: 0 };
  return { bucket: { tokens, stamp: now }, allowed: false, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / rate) };
}

export class RateLimiter {
  private readonly buckets: LRUCache<string, Bucket>;
  private readonly burst: number;

  constructor(private readonly rate: number, burst: number | undefined, private readonly clock: Clock = monotonicClock, maxClients = 100_000) {
    this.burst = burst ?? Math.max(1, Math.ceil(rate));
    this.buckets = new LRUCache({ max: maxClients });
  }

  /** 0 when allowed; otherwise seconds to wait (Retry-After). */
  check(client: string): number {
    const result = takeToken(this.buckets.get(client), this.clock(), this.rate, this.burst);
    this.buckets.set(client, result.bucket);
    return result.allowed ? 0 : Math.max(1, Math.ceil(result.retryAfterMs / 1000));
  }
}
