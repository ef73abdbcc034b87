// The active health checker: probes each target on its own timer and reports transitions to a
// StatusSetter (the pool) through its one method. Timing and rise/fall follow HAProxy
// (check-state.ts); the first check of each target is spread over one interval so a restart
// does not probe every server at the same instant. Timers are unref'd: a checker never keeps a
// process alive.
import { defaultRng, monotonicClock, type Clock, type Rng } from '../random.js';
import { nextCheckDelay, nextCheckState, type CheckState } from './check-state.js';
import type { Probe } from './probes.js';

export interface HealthCheckOptions {
  interval?: number;
  /** While a server is changing state (default: interval). */
  fastInterval?: number;
  /** While a server is down (default: interval). */
  downInterval?: number;
  rise?: number;
  fall?: number;
  /** Probe timeout (default: the interval, at most 5 s). */
  timeout?: number;
  /** Start servers as up (HAProxy default) or down until `rise` checks pass. */
  initialUp?: boolean;
  rng?: Rng;
  clock?: Clock;
}

export interface CheckTarget {
  id: string;
  probe: Probe;
}

export interface CheckStatus {
  up: boolean;
  /** Passed checks in a row while down / failed ones while up. */
  streak: number;
  lastResult?: 'passed' | 'failed';
  lastCheckAt?: number;
  lastChangeAt?: number;
  checks: number;
  enabled: boolean;
}

const STOPPED = 'health checker stopped';

interface Entry extends CheckStatus {
  target: CheckTarget;
  timer?: NodeJS.Timeout;
  running?: AbortController;
}

export class HealthChecker {
  readonly options: Required<Omit<HealthCheckOptions, 'rng' | 'clock'>>;
  private readonly entries = new Map<string, Entry>();
  private readonly rng: Rng;
  private readonly clock: Clock;
  private started = false;

  constructor(private readonly sink: { setHealthy(id: string, up: boolean): void }, options: HealthCheckOptions = {}) {
    const interval = options.interval ?? 2_000;
    this.options = {
      interval,
      fastInterval: options.fastInterval ?? interval,
      downInterval: options.downInterval ?? interval,
      rise: options.rise ?? 2,
      fall: options.fall ?? 3,
      timeout: options.timeout ?? Math.min(interval, 5_000),
      initialUp: options.initialUp ?? true,
    };
    this.rng = options.rng ?? defaultRng;
    this.clock = options.clock ?? monotonicClock;
  }

  add(target: CheckTarget): void {
    this.remove(target.id);
    const entry: Entry = { target, up: this.options.initialUp, streak: 0, checks: 0, enabled: true };
    this.entries.set(target.id, entry);
    this.sink.setHealthy(target.id, entry.up);
    if (this.started) this.schedule(entry, this.rng() * this.options.interval);
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.running?.abort(STOPPED);
    this.entries.delete(id);
  }

  /** Pause checks (HAProxy: a server in maint is not checked) or resume them. */
  setEnabled(id: string, enabled: boolean): void {
    const entry = this.entries.get(id);
    if (!entry || entry.enabled === enabled) return;
    entry.enabled = enabled;
    clearTimeout(entry.timer);
    if (enabled && this.started) this.schedule(entry, 0);
  }

  status(id: string): CheckStatus | undefined {
    const e = this.entries.get(id);
    return e && { up: e.up, streak: e.streak, lastResult: e.lastResult, lastCheckAt: e.lastCheckAt, lastChangeAt: e.lastChangeAt, checks: e.checks, enabled: e.enabled };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const entry of this.entries.values()) this.schedule(entry, this.rng() * this.options.interval);
  }

  stop(): void {
    this.started = false;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.running?.abort(STOPPED);
    }
  }

  /** Run one check of every target now (tests, and the admin API's "check now"). */
  async checkAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.runOnce(e)));
  }

  private schedule(entry: Entry, delay: number): void {
    if (!this.started || !entry.enabled) return;
    entry.timer = setTimeout(() => {
      void this.runOnce(entry).then(() => {
        if (this.entries.get(entry.target.id) === entry) {
          this.schedule(entry, nextCheckDelay(entry as CheckState, this.options));
        }
      });
    }, delay);
    entry.timer.unref();
  }

  private async runOnce(entry: Entry): Promise<void> {
    const controller = new AbortController();
    entry.running = controller;
    const timeout = setTimeout(() => controller.abort(), this.options.timeout);
    timeout.unref();
    let passed = false;
    try {
      passed = await entry.target.probe(controller.signal);
    } catch {
      passed = false;
    } finally {
      clearTimeout(timeout);
      entry.running = undefined;
    }
    if (controller.signal.reason === STOPPED) return;
    if (controller.signal.aborted) passed = false;
    if (this.entries.get(entry.target.id) !== entry) return;
    const { state, transition } = nextCheckState(entry, passed, this.options);
    entry.up = state.up;
    entry.streak = state.streak;
    entry.checks++;
    entry.lastResult = passed ? 'passed' : 'failed';
    entry.lastCheckAt = this.clock();
    if (transition === 'changed') {
      entry.lastChangeAt = entry.lastCheckAt;
      this.sink.setHealthy(entry.target.id, entry.up);
    }
  }
}
