// Passive health: the outlier detector (Envoy vocabulary). It watches real request outcomes:
// `consecutiveFailures` connect errors / resets / 5xx in a row eject a host for
// baseEjectionTime × n (n = how many times it was ejected lately), capped at maxEjectionTime.
// At most `maxEjectedShare` of the hosts are ejected at once (always at least one may be).
// When the ejection time is over the host is HALF-OPEN: it gets one trial request; success
// unejects it, failure ejects it again for longer. Pure: the clock is injected.
import { monotonicClock, type Clock } from '../random.js';

export interface OutlierOptions {
  consecutiveFailures?: number;
  baseEjectionTime?: number;
  maxEjectionTime?: number;
  maxEjectedShare?: number;
}

export type OutlierState = 'serving' | 'ejected' | 'half-open';
/** Envoy's health transition: nothing changed, state flipped, or heading for a flip. */
export type HealthTransition = 'unchanged' | 'changed' | 'pending';

interface HostRecord {
  consecutive: number;
  ejections: number;
  ejectedAt: number;
  ejectedUntil: number;
  servingSince: number;
  ejected: boolean;
}

export class OutlierDetector {
  readonly options: Required<OutlierOptions>;
  private readonly hosts = new Map<string, HostRecord>();
  /** Hosts ejected or half-open: with none, state() answers without a lookup (the hot path). */
  private ejectedNow = 0;

  constructor(options: OutlierOptions = {}, private readonly clock: Clock = monotonicClock) {
    this.options = {
      consecutiveFailures: options.consecutiveFailures ?? 5,
      baseEjectionTime: options.baseEjectionTime ?? 30_000,
      maxEjectionTime: options.maxEjectionTime ?? 300_000,
      maxEjectedShare: options.maxEjectedShare ?? 0.5,
    };
  }

  private record(id: string): HostRecord {
    let r = this.hosts.get(id);
    if (!r) {
      r = { consecutive: 0, ejections: 0, ejectedAt: 0, ejectedUntil: 0, servingSince: this.clock(), ejected: false };
      this.hosts.set(id, r);
    }
    return r;
  }

  state(id: string): OutlierState {
    if (this.ejectedNow === 0) return 'serving';
    const r = this.hosts.get(id);
    if (!r?.ejected) return 'serving';
    return this.clock() < r.ejectedUntil ? 'ejected' : 'half-open';
  }

  /** Hosts ejected or half-open right now. */
  ejectedCount(): number {
    return this.ejectedNow;
  }

  /** How many times this host was ejected (decays while it serves well). */
  ejections(id: string): number {
    return this.hosts.get(id)?.ejections ?? 0;
  }

  ejectedUntil(id: string): number | undefined {
    const r = this.hosts.get(id);
    return r?.ejected ? r.ejectedUntil : undefined;
  }

  recordSuccess(id: string): HealthTransition {
    const r = this.record(id);
    r.consecutive = 0;
    if (!r.ejected) return 'unchanged';
    if (this.clock() < r.ejectedUntil) return 'unchanged'; // a late answer from before the ejection
    r.ejected = false;
    this.ejectedNow--;
    r.servingSince = this.clock();
    return 'changed';
  }

  /** A connect error, reset, timeout or 5xx. `hostCount` is the size of the pool. */
  recordFailure(id: string, hostCount: number): HealthTransition {
    const r = this.record(id);
    const now = this.clock();
    if (r.ejected) {
      if (now < r.ejectedUntil) return 'unchanged';
      this.eject(r, now); // the half-open trial failed
      return 'changed';
    }
    r.consecutive++;
    if (r.consecutive < this.options.consecutiveFailures) return 'pending';
    const allowed = Math.max(1, Math.floor(this.options.maxEjectedShare * hostCount));
    if (this.ejectedCount() >= allowed) return 'pending';
    this.eject(r, now);
    return 'changed';
  }

  private eject(r: HostRecord, now: number): void {
    if (!r.ejected) {
      const calm = Math.floor((now - r.servingSince) / this.options.baseEjectionTime);
      r.ejections = Math.max(0, r.ejections - calm);
      this.ejectedNow++;
    }
    r.ejections++;
    r.ejected = true;
    r.consecutive = 0;
    r.ejectedAt = now;
    r.ejectedUntil = now + Math.min(this.options.baseEjectionTime * r.ejections, this.options.maxEjectionTime);
  }

  forget(id: string): void {
    if (this.hosts.get(id)?.ejected) this.ejectedNow--;
    this.hosts.delete(id);
  }
}
