// Hedging policy ("The Tail at Scale"; gRPC hedging with throttling): when an idempotent request
// has not answered after the live p-th percentile latency, send a second copy to another host
// and keep whichever answers first. The delay comes from an HDR histogram over a rotating
// window (so it follows the service as it speeds up or slows down), and a token bucket caps
// hedges at `maxExtra` of requests so hedging can never double the load. Pure: clock injected.
import { build, type Histogram } from 'hdr-histogram-js';
import { monotonicClock, type Clock } from './random.js';

export interface HedgeOptions {
  /** Hedge after this percentile of recent latency (95). */
  percentile?: number;
  /** Hedges at most this share of requests (0.05 = 5%). */
  maxExtra?: number;
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
  readonly maxExtra: number;
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
  private readonly counts = { requests: 0, hedges: 0, throttled: 0 };

  constructor(options: HedgeOptions = {}) {
    this.percentile = options.percentile ?? 95;
    this.maxExtra = options.maxExtra ?? 0.05;
    if (!(this.percentile > 0 && this.percentile < 100)) throw new RangeError(`hedge percentile must be in (0, 100), got ${this.percentile}`);
    if (!(this.maxExtra >= 0 && this.maxExtra <= 1)) throw new RangeError(`hedge maxExtra must be in [0, 1], got ${this.maxExtra}`);
    this.minSamples = options.minSamples ?? 50;
    this.windowMs = options.window ?? 10_000;
    this.minDelay = options.minDelay ?? 1;
    this.maxDelay = options.maxDelay ?? Infinity;
    this.maxBalance = options.maxBalance ?? 10;
    this.clock = options.clock ?? monotonicClock;
    this.rotatedAt = this.clock();
  }

  /** A request's latency (ms), measured from its first send to its answer. */
  record(latencyMs: number): void {
    this.rotate();
    if (Number.isFinite(latencyMs) && latencyMs >= 0) this.current.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
  }

  /** An idempotent request starts: it adds `maxExtra` hedge tokens. */
  onRequest(): void {
    this.counts.requests++;
    this.balance = Math.min(this.maxBalance, this.balance + this.maxExtra);
  }

  /** Delay after which to hedge, ms; undefined while there are too few samples. */
  delay(): number | undefined {
    this.rotate();
    const source = this.previous.totalCount >= this.minSamples ? this.previous
      : this.current.totalCount >= this.minSamples ? this.current : undefined;
    if (!source) return undefined;
    const ms = source.getValueAtPercentile(this.percentile) / 1000;
    return Math.min(this.maxDelay, Math.max(this.minDelay, ms));
  }

  /** The delay passed without an answer: may a hedge be sent? Takes a token when it may. */
  tryHedge(): boolean {
    if (this.balance >= 1) {
      this.balance -= 1;
      this.counts.hedges++;
      return true;
    }
    this.counts.throttled++;
    return false;
  }

  stats(): { requests: number; hedges: number; throttled: number; delay: number | undefined } {
    return { ...this.counts, delay: this.delay() };
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
  }
}
