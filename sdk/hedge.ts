// Hedging policy ("The Tail at Scale"; gRPC hedging with throttling; Finagle backup requests):
// when an idempotent request has not answered after the live p-th percentile latency, send a
// second copy to another host and keep whichever answers first. The delay comes from an HDR
// histogram over a rotating window (so it follows the service as it speeds up or slows down),
// and a token bucket caps hedges at `maxExtra` of requests so hedging can never double the load.
//
// Two stages, so the cap goes to the requests that need it most. At the delay (pXX) a hedge may
// only spend tokens above a small reserve; a request refused there waits on to a late delay
// (pYY, by default the percentile five times further out, p99 for p95, at most twice the first
// delay) and may then spend the reserve. Ordinary stragglers just past pXX (a busy event loop, a
// GC pause) can use up the budget at stage one without starving the requests stuck on a slow or
// stalled host, which are still waiting at pYY and get the reserve. Pure: clock injected.
import { build, type Histogram } from 'hdr-histogram-js';
import { monotonicClock, type Clock } from './random.js';

export interface HedgeOptions {
  /** Hedge after this percentile of recent latency (95). */
  percentile?: number;
  /** Hedges at most this share of requests (0.05 = 5%). */
  maxExtra?: number;
  /** Late delay for requests refused at the first one: this percentile (default 100 − (100 − percentile) / 5). */
  latePercentile?: number;
  /** Tokens only late hedges may spend (2; 0 = one stage). */
  reserve?: number;
  /** No hedging until this many latencies were seen in the window (50). */
  minSamples?: number;
  /** Latency window rotation, ms (10 s): the estimate uses the last full window, or the current one. */
  window?: number;
  /** Bounds for the delay, ms. */
  minDelay?: number;
  maxDelay?: number;
  /** Largest hedging burst after a calm period, in hedges (10, as gRPC's maxTokens). */
  maxBalance?: number;
  clock?: Clock;
}

const newHistogram = (): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 });

export class HedgePolicy {
  readonly percentile: number;
  readonly latePercentile: number;
  readonly maxExtra: number;
  readonly reserve: number;
  private readonly minSamples: number;
  private readonly windowMs: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly maxBalance: number;
  private readonly clock: Clock;
  private current = newHistogram();
  private previous = newHistogram();
  private rotatedAt: number;
  private balance = 0;
  private recorded = 0;
  private readonly cache: { at: number; recorded: number; delay?: number; late?: number } = { at: -Infinity, recorded: 0 };
  private readonly counts = { requests: 0, hedges: 0, lateHedges: 0, throttled: 0 };

  constructor(options: HedgeOptions = {}) {
    this.percentile = options.percentile ?? 95;
    this.maxExtra = options.maxExtra ?? 0.05;
    if (!(this.percentile > 0 && this.percentile < 100)) throw new RangeError(`hedge percentile must be in (0, 100), got ${this.percentile}`);
    if (!(this.maxExtra >= 0 && this.maxExtra <= 1)) throw new RangeError(`hedge maxExtra must be in [0, 1], got ${this.maxExtra}`);
    this.latePercentile = options.latePercentile ?? 100 - (100 - this.percentile) / 5;
    if (!(this.latePercentile >= this.percentile && this.latePercentile < 100)) {
      throw new RangeError(`hedge latePercentile must be in [percentile, 100), got ${this.latePercentile}`);
    }
    this.minSamples = options.minSamples ?? 50;
    this.windowMs = options.window ?? 10_000;
    this.minDelay = options.minDelay ?? 1;
    this.maxDelay = options.maxDelay ?? Infinity;
    this.maxBalance = options.maxBalance ?? 10;
    this.reserve = options.reserve ?? 2;
    if (!(this.reserve >= 0 && this.reserve < this.maxBalance)) throw new RangeError(`hedge reserve must be in [0, maxBalance), got ${this.reserve}`);
    this.clock = options.clock ?? monotonicClock;
    this.rotatedAt = this.clock();
  }

  /**
   * An attempt's latency (ms). The client records every answered attempt except hedges, and a
   * first attempt that lost to its hedge with the time it had taken when cancelled: a lower bound,
   * but above the delay, so the share of requests past the delay stays right (leaving the losers
   * out would hide the tail that hedging cut and pull the delay down).
   */
  record(latencyMs: number): void {
    this.rotate();
    if (Number.isFinite(latencyMs) && latencyMs >= 0) {
      this.current.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
      this.recorded++;
    }
  }

  /** An idempotent request starts: it adds `maxExtra` hedge tokens. */
  onRequest(): void {
    this.counts.requests++;
    this.balance = Math.min(this.maxBalance, this.balance + this.maxExtra);
  }

  /** Delay after which to hedge, ms; undefined while there are too few samples. */
  delay(): number | undefined {
    return this.at(this.percentile);
  }

  /**
   * Delay for a request refused at delay(), ms: the late percentile, but at most twice delay()
   * (when the tail is 1 % of requests, p99 sits inside it, too late to help). Undefined like delay().
   */
  lateDelay(): number | undefined {
    const late = this.at(this.latePercentile);
    const first = this.at(this.percentile);
    return late === undefined || first === undefined ? undefined : Math.min(late, 2 * first);
  }

  /**
   * The delay passed without an answer: may a hedge be sent? Takes a token when it may. At the
   * first delay only tokens above the reserve can be spent; a `late` hedge may spend the reserve.
   */
  tryHedge(late = false): boolean {
    if (this.balance >= 1 + (late ? 0 : this.reserve)) {
      this.balance -= 1;
      this.counts.hedges++;
      if (late) this.counts.lateHedges++;
      return true;
    }
    this.counts.throttled++;
    return false;
  }

  /** A granted hedge found no host to go to: the token goes back. */
  refund(late = false): void {
    this.balance = Math.min(this.maxBalance, this.balance + 1);
    this.counts.hedges--;
    if (late) this.counts.lateHedges--;
  }

  stats(): { requests: number; hedges: number; lateHedges: number; throttled: number; delay: number | undefined; lateDelay: number | undefined } {
    return { ...this.counts, delay: this.delay(), lateDelay: this.lateDelay() };
  }

  /** delay() and lateDelay(): percentiles walk the histogram, so both are kept for 100 ms or 64 samples. */
  private at(percentile: number): number | undefined {
    this.rotate();
    const now = this.clock();
    if (!(this.cache.at > now - 100 && this.recorded - this.cache.recorded < 64)) {
      const source = this.previous.totalCount >= this.minSamples ? this.previous
        : this.current.totalCount >= this.minSamples ? this.current : undefined;
      const value = (p: number) => (source ? Math.min(this.maxDelay, Math.max(this.minDelay, source.getValueAtPercentile(p) / 1000)) : undefined);
      this.cache.at = now;
      this.cache.recorded = this.recorded;
      this.cache.delay = value(this.percentile);
      this.cache.late = value(this.latePercentile);
    }
    return percentile === this.percentile ? this.cache.delay : this.cache.late;
  }

  private rotate(): void {
    const now = this.clock();
    const elapsed = now - this.rotatedAt;
    if (elapsed < this.windowMs) return;
    const recycled = this.previous;
    recycled.reset();
    if (elapsed < 2 * this.windowMs) {
      this.previous = this.current; // the window that just ended
    } else {
      this.current.reset(); // nothing recent: both windows are stale
    }
    this.current = recycled;
    this.rotatedAt = now;
    this.cache.at = -Infinity;
  }
}
