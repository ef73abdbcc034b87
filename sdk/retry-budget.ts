// Retry budget (Finagle RetryBudget + Envoy retry_budget): retries may add at most `ratio` (20%)
// on top of the original requests, so when every host fails the client does not multiply the
// load. Token bucket: every original request deposits `ratio` tokens, every retry withdraws one.
// A quiet client still gets a few retries: a reserve of `minConcurrent` tokens, refilled at that
// many per second, usable while fewer than `minConcurrent` retries are in flight. Pure: the
// clock is injected.
import { monotonicClock, type Clock } from './random.js';

export interface RetryBudgetOptions {
  /** Extra share of requests that may be retries (0.2 = 20%). */
  ratio?: number;
  /** Retries always allowed while fewer than this many are in flight (reserve refilled per second). */
  minConcurrent?: number;
  /** Most tokens the ratio bucket holds (bounds a burst after a calm period). */
  maxBalance?: number;
  clock?: Clock;
}

export interface RetryBudgetStats {
  requests: number;
  retries: number;
  exhausted: number;
  retriesInFlight: number;
}

export class RetryBudget {
  readonly ratio: number;
  readonly minConcurrent: number;
  private readonly maxBalance: number;
  private readonly clock: Clock;
  private balance = 0;
  private reserve: number;
  private reserveAt: number;
  private inFlight = 0;
  private readonly counts = { requests: 0, retries: 0, exhausted: 0 };

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? 0.2;
    this.minConcurrent = options.minConcurrent ?? 3;
    this.maxBalance = options.maxBalance ?? Math.max(10, this.ratio * 100);
    if (!(this.ratio >= 0)) throw new RangeError(`retry budget ratio must be ≥ 0, got ${this.ratio}`);
    this.clock = options.clock ?? monotonicClock;
    this.reserve = this.minConcurrent;
    this.reserveAt = this.clock();
  }

  /** An original (non-retry) request was sent. */
  deposit(): void {
    this.counts.requests++;
    this.balance = Math.min(this.maxBalance, this.balance + this.ratio);
  }

  /** May a retry be sent now? When true, call `release()` when that retry ends. */
  tryAcquire(): boolean {
    if (this.balance >= 1) {
      this.balance -= 1;
      return this.granted();
    }
    this.refillReserve();
    if (this.inFlight < this.minConcurrent && this.reserve >= 1) {
      this.reserve -= 1;
      return this.granted();
    }
    this.counts.exhausted++;
    return false;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  stats(): RetryBudgetStats {
    return { ...this.counts, retriesInFlight: this.inFlight };
  }

  private granted(): true {
    this.inFlight++;
    this.counts.retries++;
    return true;
  }

  private refillReserve(): void {
    const now = this.clock();
    this.reserve = Math.min(this.minConcurrent, this.reserve + ((now - this.reserveAt) / 1000) * this.minConcurrent);
    this.reserveAt = now;
  }
}
