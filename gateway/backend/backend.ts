// The runtime of one configured backend, the one model of HTTP and TCP mode: the sdk ServerPool
// (eligible set, picker, admin state, health, EWMA, outlier detector), the per-server runtimes,
// the bounded queue of requests waiting for a free server slot (maxconn), the fallback backend's
// name, the retry budget, and the two-primaries guard of a primary-only (write) DB port. HTTP
// and TCP differ only in what a request is: an exchange, or a session.
//
// A request takes a slot with take() (or, when every server is full, waits for one with wait());
// the slot is counted in flight from then on and freed with end(). A queued request is not bound
// to a server: it takes whichever slot frees first, so requests waiting while their server goes
// down go to the others.
import { ServerPool, type Outcome, type PoolEvent } from '../../sdk/balance/server-pool.js';
import type { AdminState } from '../../sdk/balance/eligible.js';
import type { PickRequest } from '../../sdk/balance/candidate.js';
import { RetryBudget } from '../../sdk/retry-budget.js';
import { processStalls } from '../../sdk/balance/loop-stalls.js';
import type { BackendConfig } from '../config.js';
import { UnknownServerError } from '../errors.js';
import { claimedPrimaries } from '../tcp/postgres-verdict.js';
import { ServerRuntime } from './server.js';
import { Stats } from './stats.js';
import { WaitQueue } from './wait-queue.js';

export type BackendMode = 'http' | 'tcp';

export interface AcquireRequest extends PickRequest {
  /** Servers already tried by this request (never twice on the same server). */
  exclude?: ReadonlySet<string>;
  /** Sticky: the server named by the request's cookie, used when it is up (even if draining). */
  prefer?: string;
}

/** A server slot taken for one request: give `startedAt` back to end(). */
export interface Slot {
  server: ServerRuntime;
  startedAt: number;
}

/** Why no server was given. */
export type AcquireFailure = 'no-server' | 'queue-full' | 'queue-timeout' | 'two-primaries' | 'cancelled';

export class BackendRuntime {
  readonly name: string;
  readonly pool: ServerPool;
  readonly servers = new Map<string, ServerRuntime>();
  readonly stats = new Stats();
  readonly retryBudget: RetryBudget;
  /** Servers claiming to be primary at once, on a backend whose check wants a primary: new requests are refused (refreshPrimaryGuard). */
  conflictingPrimaries: string[] | undefined;
  /** Its check wants a primary (a write port): it never guesses between two of them. */
  readonly guardsPrimary: boolean;
  private readonly queue: WaitQueue<Slot>;

  constructor(readonly config: BackendConfig, readonly mode: BackendMode) {
    this.name = config.name;
    const tcp = mode === 'tcp';
    // TCP (the DB ports): no panic mode and no passive ejection: a DB port must never send reads
    // to a replica its check took out (lagging, or a primary on the read port); active checks
    // decide. `hash` there is HAProxy's `balance source` with consistent hashing and no load
    // bound (its default), so a client address stays on its server.
    this.pool = new ServerPool(
      config.servers.map((s) => ({ id: s.name, weight: s.weight, maxconn: s.maxconn ?? 0, backup: s.backup })),
      {
        balance: config.balance ?? (tcp ? 'leastconn' : 'p2c-ewma'),
        picker: tcp ? { hash: { balanceFactor: 0 } } : config.hash ? { hash: { balanceFactor: config.hash.boundedLoad } } : undefined,
        panicThreshold: !tcp && config.panicThreshold > 0 ? config.panicThreshold / 100 : false,
        slowstart: config.slowstart,
        decayTime: config.decayTime,
        // Latency samples without this process's own stalls (a GC pause must not make every server look slow).
        stalls: tcp ? undefined : processStalls(),
        outlier: !tcp && config.outlier.consecutiveErrors > 0
          ? {
            consecutiveFailures: config.outlier.consecutiveErrors,
            baseEjectionTime: config.outlier.baseEjectionTime,
            maxEjectionTime: config.outlier.maxEjectionTime,
            maxEjectedShare: config.outlier.maxEjectionPercent / 100,
          }
          : false,
      },
    );
    for (const s of config.servers) {
      const server = new ServerRuntime(s, this.pool.get(s.name)!, { maxIdleSockets: config.maxIdleSockets, connectTimeout: config.timeouts.connect, serverTimeout: config.timeouts.server });
      this.servers.set(s.name, server);
      // A checked TCP server starts DOWN and its first check decides: the first connection of a
      // DB port must not go to a server whose role has not been seen yet.
      if (tcp && config.check) {
        this.pool.setHealthy(s.name, false);
        server.check.detail = 'not checked yet';
      }
    }
    this.guardsPrimary = config.check?.type === 'postgres' && config.check.role === 'primary';
    this.retryBudget = new RetryBudget({ ratio: config.retries.budget, minConcurrent: config.retries.minConcurrent });
    this.queue = new WaitQueue(config.maxQueue, config.queueTimeout);
    this.pool.onEvent((event) => this.onPoolEvent(event));
  }

  get balance(): string {
    return this.pool.balance;
  }

  get queued(): number {
    return this.queue.length;
  }

  server(name: string): ServerRuntime {
    const server = this.servers.get(name);
    if (!server) throw new UnknownServerError(this.name, name);
    return server;
  }

  /** A slot on a server for a new request right now (counted in flight), or undefined (none up, or every server full). */
  take(request: AcquireRequest = {}): Slot | undefined {
    if (this.conflictingPrimaries) return undefined;
    let server: ServerRuntime | undefined;
    if (request.prefer !== undefined) {
      const sticky = this.servers.get(request.prefer);
      const p = sticky?.pool;
      if (p && p.admin !== 'maint' && p.healthy && !request.exclude?.has(p.id) && (p.maxconn === 0 || p.inFlight < p.maxconn)) server = sticky;
    }
    if (!server) {
      const chosen = this.pool.pick(request);
      if (!chosen) return undefined;
      server = this.servers.get(chosen.id)!;
    }
    return { server, startedAt: this.begin(server) };
  }

  /**
   * For a request take() found no slot for: waits in the bounded queue for a slot to free
   * (queueTimeout), or fails at once when no server is up (`no-server`), two claim to be primary,
   * or the queue is full. Calls `done` once; returns a cancel function for a queued request (its
   * client went away).
   */
  wait(done: (slot: Slot | undefined, failure?: AcquireFailure) => void): () => void {
    if (this.conflictingPrimaries) {
      this.stats.noServer++;
      done(undefined, 'two-primaries');
      return noop;
    }
    if (!this.pool.eligible().saturated) {
      this.stats.noServer++;
      done(undefined, 'no-server');
      return noop;
    }
    let cancelled = false;
    const cancel = this.queue.enqueue((slot) => {
      if (slot) done(slot);
      else if (cancelled) done(undefined, 'cancelled');
      else {
        this.stats.queueTimeouts++;
        done(undefined, 'queue-timeout');
      }
    });
    if (!cancel) {
      this.stats.queueFull++;
      done(undefined, 'queue-full');
      return noop;
    }
    return () => {
      cancelled = true;
      cancel();
    };
  }

  /** A slot at once, or after waiting in the queue (promise form of take() + wait(), for TCP sessions). */
  acquire(request: AcquireRequest, onCancel: (cancel: () => void) => void): Promise<Slot | AcquireFailure> {
    const slot = this.take(request);
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => {
      const cancel = this.wait((waited, failure) => resolve(waited ?? failure!));
      onCancel(cancel);
    });
  }

  /** The request on a slot ended: frees it (in flight, EWMA, outlier detector) and serves the queue. */
  end(slot: Slot, outcome: Outcome): void {
    this.pool.end(slot.server.pool, slot.startedAt, outcome);
    this.serveQueue();
  }

  /** Runtime API: drain / maint / ready, weight. */
  update(serverName: string, change: { state?: AdminState; weight?: number }): ServerRuntime {
    const server = this.server(serverName);
    this.pool.update(server.name, { admin: change.state, weight: change.weight });
    server.lastChange = Date.now();
    this.serveQueue();
    return server;
  }

  /**
   * Re-reads which servers claim to be primary (their last postgres verdicts); returns true when
   * the refusal started or ended. Queued requests go on when it ended.
   */
  refreshPrimaryGuard(): boolean {
    if (!this.guardsPrimary) return false;
    const claims = claimedPrimaries([...this.servers.values()].map((s) => [s.name, s.check.postgres]));
    const next = claims.length > 1 ? claims : undefined;
    const changed = (next?.join(',') ?? '') !== (this.conflictingPrimaries?.join(',') ?? '');
    this.conflictingPrimaries = next;
    if (changed && !next) this.serveQueue();
    return changed;
  }

  /** The health checker's seam: UP or DOWN. */
  setHealthy(serverName: string, up: boolean): void {
    this.pool.setHealthy(serverName, up);
  }

  /** Queued requests take free slots (after a release, an up event, a weight change). */
  serveQueue(): void {
    if (this.queue.length > 0) this.queue.serve(() => this.take());
  }

  /** Servers that can take requests (UP, not ejected), of all servers. */
  upCount(): { up: number; total: number } {
    let up = 0;
    for (const s of this.servers.values()) if (s.pool.healthy && s.pool.admin !== 'maint') up++;
    return { up, total: this.servers.size };
  }

  /** Stop: queued requests leave with nothing; upstream sockets close. */
  close(): void {
    this.queue.clear();
    for (const s of this.servers.values()) s.destroy();
  }

  private begin(server: ServerRuntime): number {
    server.stats.requests++;
    this.stats.requests++;
    return this.pool.begin(server.pool);
  }

  private onPoolEvent(event: PoolEvent): void {
    const server = this.servers.get(event.id);
    if (server) server.lastChange = Date.now();
    if (event.type === 'up' || event.type === 'uneject') this.serveQueue();
  }
}

function noop(): void {}
