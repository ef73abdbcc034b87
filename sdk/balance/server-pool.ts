// ServerPool: the live state of one backend's servers and the one place a request is placed.
// It holds admin state, weights, in-flight counts, peak-EWMA latency, active-check status and
// the outlier detector, asks eligible.ts for the set and the picker for the server. The gateway
// and the smart client both drive it: pick() → begin() → end(outcome). The active health
// checker talks to it through one method, setHealthy() (the StatusSetter seam).
import { PeakEwma } from '../ewma.js';
import { OutlierDetector, type OutlierOptions, type OutlierState } from '../health/outlier-detector.js';
import { defaultRng, monotonicClock, type Clock, type Rng } from '../random.js';
import type { BalanceName, PickRequest, Picker } from './candidate.js';
import { createPicker, type PickerOptions } from './create-picker.js';
import { eligible, slowstartWeight, type AdminState, type EligibleSet, type PoolMember } from './eligible.js';
import { pickFastest } from './p2c-ewma.js';
import type { StallSource } from './loop-stalls.js';

export interface ServerSpec {
  id: string;
  weight?: number;
  maxconn?: number;
  backup?: boolean;
  admin?: AdminState;
}

export interface ServerPoolOptions {
  balance?: BalanceName | Picker;
  picker?: Omit<PickerOptions, 'rng'>;
  rng?: Rng;
  clock?: Clock;
  /** Panic below this share of healthy primaries (0.5); false or 0 switches it off. */
  panicThreshold?: number | false;
  /** Weight ramp after a server comes (back) up, ms; 0 = off. */
  slowstart?: number;
  /** Peak-EWMA decay time constant, ms. */
  decayTime?: number;
  /** Passive health; false switches it off. */
  outlier?: OutlierOptions | false;
  /** Event-loop stalls taken off latency samples (loop-stalls.ts); same clock as `clock`. */
  stalls?: StallSource;
}

/** How a request ended, as the outlier detector and the latency tracker see it. */
export type Outcome = 'success' | 'connect-error' | 'reset' | 'timeout' | 'server-error' | 'cancelled';
const FAILURES = new Set<Outcome>(['connect-error', 'reset', 'timeout', 'server-error']);

/** The one-method seam between an active health checker and whatever it reports to. */
export interface StatusSetter {
  setHealthy(id: string, up: boolean): void;
}

export type PoolEvent =
  | { type: 'up' | 'down'; id: string; at: number }
  | { type: 'eject'; id: string; at: number; until: number; ejections: number }
  | { type: 'uneject'; id: string; at: number };

export class PoolServer implements PoolMember {
  readonly id: string;
  configuredWeight: number;
  maxconn: number;
  backup: boolean;
  admin: AdminState;
  inFlight = 0;
  checkUp = true;
  upSince = -Infinity;
  lastChange: number;
  readonly ewma: PeakEwma;
  readonly totals = { requests: 0, failures: 0, cancelled: 0 };

  constructor(spec: ServerSpec, private readonly pool: ServerPool) {
    this.id = spec.id;
    this.configuredWeight = spec.weight ?? 1;
    this.maxconn = spec.maxconn ?? 0;
    this.backup = spec.backup ?? false;
    this.admin = spec.admin ?? 'ready';
    this.ewma = new PeakEwma({ decayTime: pool.decayTime });
    this.lastChange = pool.clock();
  }

  get weight(): number {
    if (!(this.pool.slowstart > 0) || this.upSince === -Infinity) return this.configuredWeight; // no clock read on the hot path
    return slowstartWeight(this.configuredWeight, this.upSince, this.pool.clock(), this.pool.slowstart);
  }
  get latency(): number | undefined {
    return this.ewma.value(this.pool.pickingAt ?? this.pool.clock());
  }
  get measuredLatency(): number | undefined {
    return this.ewma.lastEstimate();
  }
  get outlierState(): OutlierState {
    return this.pool.outlier?.state(this.id) ?? 'serving';
  }
  get healthy(): boolean {
    return this.checkUp && this.outlierState !== 'ejected';
  }
  get trial(): boolean {
    return this.outlierState === 'half-open';
  }
}

export class ServerPool implements StatusSetter {
  readonly clock: Clock;
  private readonly stalls: StallSource | undefined;
  readonly slowstart: number;
  readonly decayTime: number;
  readonly outlier: OutlierDetector | undefined;
  private readonly picker: Picker;
  private readonly panicThreshold: number;
  private readonly members: PoolServer[] = [];
  private readonly listeners: ((event: PoolEvent) => void)[] = [];
  /** The time of the pick in progress: every candidate's latency is read at one clock reading. */
  pickingAt: number | undefined;

  constructor(servers: ServerSpec[], options: ServerPoolOptions = {}) {
    this.clock = options.clock ?? monotonicClock;
    this.stalls = options.stalls;
    this.slowstart = options.slowstart ?? 0;
    this.decayTime = options.decayTime ?? 10_000;
    this.panicThreshold = options.panicThreshold === false ? 0 : (options.panicThreshold ?? 0.5);
    this.picker = typeof options.balance === 'object'
      ? options.balance
      : createPicker(options.balance ?? 'p2c-ewma', { ...options.picker, rng: options.rng ?? defaultRng });
    this.outlier = options.outlier === false ? undefined : new OutlierDetector(options.outlier ?? {}, this.clock);
    for (const spec of servers) this.add(spec);
  }

  get balance(): BalanceName {
    return this.picker.name;
  }
  get servers(): readonly PoolServer[] {
    return this.members;
  }
  get(id: string): PoolServer | undefined {
    return this.members.find((m) => m.id === id);
  }

  onEvent(listener: (event: PoolEvent) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1);
  }
  private emit(event: PoolEvent): void {
    for (const l of this.listeners) l(event);
  }

  add(spec: ServerSpec): PoolServer {
    if (this.get(spec.id)) throw new RangeError(`server "${spec.id}" is already in the pool`);
    if (spec.weight !== undefined && !(spec.weight >= 0)) throw new RangeError(`server "${spec.id}": weight must be ≥ 0, got ${spec.weight}`);
    const server = new PoolServer(spec, this);
    this.members.push(server);
    return server;
  }

  remove(id: string): boolean {
    const i = this.members.findIndex((m) => m.id === id);
    if (i < 0) return false;
    this.members.splice(i, 1);
    this.outlier?.forget(id);
    return true;
  }

  /** Runtime API: change admin state, weight or maxconn of one server. */
  update(id: string, change: { admin?: AdminState; weight?: number; maxconn?: number }): PoolServer {
    const server = this.get(id);
    if (!server) throw new RangeError(`no server "${id}" in the pool`);
    if (change.weight !== undefined) {
      if (!(change.weight >= 0)) throw new RangeError(`weight must be ≥ 0, got ${change.weight}`);
      server.configuredWeight = change.weight;
    }
    if (change.maxconn !== undefined) server.maxconn = change.maxconn;
    if (change.admin !== undefined && change.admin !== server.admin) {
      const wasMaint = server.admin === 'maint';
      server.admin = change.admin;
      server.lastChange = this.clock();
      if (wasMaint && change.admin === 'ready') server.upSince = this.clock(); // ramp back in
    }
    return server;
  }

  /** StatusSetter: the active checker reports a server up or down. */
  setHealthy(id: string, up: boolean): void {
    const server = this.get(id);
    if (!server || server.checkUp === up) return;
    const now = this.clock();
    server.checkUp = up;
    server.lastChange = now;
    if (up) {
      server.upSince = now;
      server.ewma.reset();
    }
    this.emit({ type: up ? 'up' : 'down', id, at: now });
  }

  eligible(): EligibleSet<PoolServer> {
    return eligible(this.members, { panicThreshold: this.panicThreshold });
  }

  /**
   * The server for a new request, or undefined (see `eligible().saturated` to tell full from down).
   * `now`: the caller's clock reading, when it has one (saves a read per candidate).
   */
  pick(request?: PickRequest & { exclude?: ReadonlySet<string> }, now = this.clock()): PoolServer | undefined {
    const servers = this.candidates(request?.exclude);
    if (!servers) return undefined;
    this.pickingAt = now;
    try {
      return this.picker.pick(servers, request);
    } finally {
      this.pickingAt = undefined;
    }
  }

  /** The server for a hedge: the eligible one expected to answer soonest (see pickFastest). */
  pickFastest(exclude?: ReadonlySet<string>): PoolServer | undefined {
    const servers = this.candidates(exclude);
    return servers && pickFastest(servers);
  }

  private candidates(exclude: ReadonlySet<string> | undefined): readonly PoolServer[] | undefined {
    const { servers } = this.eligible();
    if (!exclude?.size) return servers;
    const rest = servers.filter((s) => !exclude.has(s.id));
    return rest.length > 0 ? rest : undefined;
  }

  /** A request is sent to `server`; returns its start time for end() (`now` when given). */
  begin(server: PoolServer, now = this.clock()): number {
    server.inFlight++;
    server.totals.requests++;
    return now;
  }

  /** A request on `server` that began at `startedAt` ended with `outcome` (at `now`, by default the clock). */
  end(server: PoolServer, startedAt: number, outcome: Outcome, now = this.clock()): void {
    server.inFlight = Math.max(0, server.inFlight - 1);
    // The server's time, not this process's: a stall of the loop while the request was in flight is not the server's.
    const elapsed = Math.max(0, now - startedAt - (this.stalls?.within(startedAt, now) ?? 0));
    if (outcome === 'cancelled') {
      server.totals.cancelled++;
      // A cancelled request took at least this long: only a rise of the estimate is evidence.
      if (elapsed > (server.ewma.value(now) ?? 0)) server.ewma.observe(elapsed, now);
      return;
    }
    if (outcome !== 'connect-error') server.ewma.observe(elapsed, now);
    if (!this.outlier) return;
    if (FAILURES.has(outcome)) {
      server.totals.failures++;
      if (this.outlier.recordFailure(server.id, this.members.length) === 'changed') {
        const until = this.outlier.ejectedUntil(server.id) ?? now;
        this.emit({ type: 'eject', id: server.id, at: now, until, ejections: this.outlier.ejections(server.id) });
      }
    } else if (this.outlier.recordSuccess(server.id) === 'changed') {
      server.upSince = now;
      this.emit({ type: 'uneject', id: server.id, at: now });
    }
  }
}
