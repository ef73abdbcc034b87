// The active health checker, the one of Tiered (the smart client and the gateway both run it):
// probes each target on its own timer and reports transitions to a StatusSetter (the pool)
// through its one method. Probes are plugins (HTTP, TCP connect, the gateway's PostgreSQL role
// and lag); a probe answers passed or failed, optionally with a short code and detail for the
// stats page. Timing and rise/fall follow HAProxy (check-state.ts); the first check of each
// target is spread over one interval so a restart does not probe every server at the same
// instant (or, with startChecked(), runs at once so a gateway opens its ports knowing its
// servers). Clock and randomness are injected. Timers are unref'd: a checker never keeps a
// process alive.
import { defaultRng, monotonicClock, type Clock, type Rng } from '../random.js';
import { nextCheckDelay, nextCheckState, type CheckState } from './check-state.js';
import type { HealthTransition } from './outlier-detector.js';
import type { Probe, ProbeResult } from './probes.js';

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
  /**
   * Start servers as up (HAProxy default), down until `rise` checks pass, or down until the
   * first check, whose result decides (`'first-check'`: a DB port must not send a connection to
   * a server whose role has not been seen).
   */
  initialUp?: boolean | 'first-check';
  /** Every check's result, with the state after it (the gateway's stats page, logs, alerts). */
  onResult?: (id: string, result: CheckResult) => void;
  rng?: Rng;
  clock?: Clock;
}

export interface CheckTarget {
  id: string;
  probe: Probe;
  /** The state to start from (a reloaded gateway keeps what it knew); default from `initialUp`. */
  up?: boolean;
  /** While true the target is not probed (HAProxy does not check a server in maintenance). */
  paused?: () => boolean;
}

/** One check's outcome, as onResult hears it. */
export interface CheckResult extends ProbeResult {
  /** The state after this check. */
  up: boolean;
  transition: HealthTransition;
  /** The clock's reading when the check ended. */
  at: number;
}

/** What the checker knows of one target (the admin API's view). */
export interface TargetHealth {
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
/** A probe that ignores its abort signal is given up on this long after the timeout. */
const HARD_STOP_MS = 1_000;

interface Entry extends TargetHealth {
  target: CheckTarget;
  timer?: NodeJS.Timeout;
  running?: AbortController;
}

export class HealthChecker {
  readonly options: Required<Omit<HealthCheckOptions, 'rng' | 'clock' | 'onResult'>>;
  private readonly onResult: HealthCheckOptions['onResult'];
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
    this.onResult = options.onResult;
  }

  add(target: CheckTarget): void {
    this.remove(target.id);
    const up = target.up ?? this.options.initialUp === true;
    const entry: Entry = { target, up, streak: 0, checks: 0, enabled: true };
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

  status(id: string): TargetHealth | undefined {
    const e = this.entries.get(id);
    return e && { up: e.up, streak: e.streak, lastResult: e.lastResult, lastCheckAt: e.lastCheckAt, lastChangeAt: e.lastChangeAt, checks: e.checks, enabled: e.enabled };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const entry of this.entries.values()) this.schedule(entry, this.rng() * this.options.interval);
  }

  /**
   * Checks every target once now (the first results decide where `initialUp` says so), then
   * keeps checking each on its timer. Resolves after the first round.
   */
  async startChecked(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await Promise.all([...this.entries.values()].map(async (entry) => {
      await this.runOnce(entry);
      if (this.entries.get(entry.target.id) === entry) this.schedule(entry, nextCheckDelay(entry as CheckState, this.options));
    }));
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
    if (entry.target.paused?.()) return;
    const controller = new AbortController();
    entry.running = controller;
    const timeout = setTimeout(() => controller.abort(), this.options.timeout);
    timeout.unref();
    let hardStop: NodeJS.Timeout | undefined;
    let result: ProbeResult;
    try {
      const answer = await Promise.race([
        entry.target.probe(controller.signal),
        new Promise<ProbeResult>((resolve) => {
          hardStop = setTimeout(() => resolve({ passed: false, detail: `no answer within ${this.options.timeout}ms` }), this.options.timeout + HARD_STOP_MS);
          hardStop.unref();
        }),
      ]);
      result = typeof answer === 'boolean' ? { passed: answer } : answer;
    } catch (error) {
      result = { passed: false, detail: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timeout);
      clearTimeout(hardStop);
      entry.running = undefined;
    }
    if (controller.signal.reason === STOPPED) return;
    if (controller.signal.aborted && result.passed) result = { passed: false, detail: `no answer within ${this.options.timeout}ms` };
    if (this.entries.get(entry.target.id) !== entry) return;
    let transition: HealthTransition;
    if (entry.checks === 0 && this.options.initialUp === 'first-check') {
      transition = result.passed === entry.up ? 'unchanged' : 'changed';
      entry.up = result.passed;
      entry.streak = 0;
    } else {
      const next = nextCheckState(entry, result.passed, this.options);
      transition = next.transition;
      entry.up = next.state.up;
      entry.streak = next.state.streak;
    }
    entry.checks++;
    entry.lastResult = result.passed ? 'passed' : 'failed';
    entry.lastCheckAt = this.clock();
    if (transition === 'changed') {
      entry.lastChangeAt = entry.lastCheckAt;
      this.sink.setHealthy(entry.target.id, entry.up);
    }
    this.onResult?.(entry.target.id, { ...result, up: entry.up, transition, at: entry.lastCheckAt });
  }
}
