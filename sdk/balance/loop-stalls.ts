// Event-loop stalls, so a latency sample measures the server and not this process. A request's
// measured time includes every stall of the loop while it was in flight (a GC pause, a long turn,
// CPU taken by another process): all requests in flight then look slow at once, and a peak-EWMA
// estimate jumps to the stall on every fast server together. Measured on the gateway's
// slow-backend benchmark: after such a stall the fast servers' estimates took seconds to decay
// while the idle slow server's had already decayed, and it received several percent of the
// requests. A timer that should fire every `interval` ms finds how late it ran; lateness over
// `threshold` is a stall, kept in a small ring; `within(from, to)` is the stalled time inside a
// request's lifetime, which ServerPool takes off its latency sample. (perf_hooks'
// monitorEventLoopDelay gives a histogram of delays, not when they happened, so it cannot be
// matched to a request.)
import { monotonicClock, type Clock } from '../random.js';

export interface StallSource {
  /** Milliseconds the loop was stalled between `from` and `to` (clock readings). */
  within(from: number, to: number): number;
}

export interface LoopStallOptions {
  /** How often the probe timer should fire, ms (5). */
  interval?: number;
  /** Lateness counted as a stall, ms (4): the normal jitter of a busy loop is not. */
  threshold?: number;
  clock?: Clock;
}

const RING = 128;

export class LoopStalls implements StallSource {
  private readonly ends = new Float64Array(RING);
  private readonly lengths = new Float64Array(RING);
  private next = 0;
  private last: number;
  private timer: NodeJS.Timeout | undefined;
  readonly interval: number;
  readonly threshold: number;
  private readonly clock: Clock;

  constructor(options: LoopStallOptions = {}) {
    this.interval = options.interval ?? 5;
    this.threshold = options.threshold ?? 4;
    this.clock = options.clock ?? monotonicClock;
    this.last = this.clock();
  }

  start(): this {
    if (this.timer) return this;
    this.last = this.clock();
    this.timer = setInterval(() => this.tick(this.clock()), this.interval);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The probe fired at `now`: lateness beyond the threshold is recorded as a stall ending now. */
  tick(now: number): void {
    const late = now - this.last - this.interval;
    this.last = now;
    if (late <= this.threshold) return;
    this.ends[this.next] = now;
    this.lengths[this.next] = late;
    this.next = (this.next + 1) % RING;
  }

  within(from: number, to: number): number {
    // Newest first (stalls are recorded in time order): stop at the first that ended before `from`.
    // Per request, this usually reads one entry.
    let total = 0;
    for (let n = 0, i = (this.next + RING - 1) % RING; n < RING; n++, i = (i + RING - 1) % RING) {
      const end = this.ends[i];
      if (end <= from) break;
      const start = end - this.lengths[i];
      if (start < to) total += Math.min(end, to) - Math.max(start, from);
    }
    return total;
  }
}

let shared: LoopStalls | undefined;

/** The process's one stall probe (started on first use). */
export function processStalls(): LoopStalls {
  shared ??= new LoopStalls().start();
  return shared;
}
