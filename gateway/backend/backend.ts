// The runtime of one configured backend, shared by HTTP and TCP mode: the sdk ServerPool
// (eligible set, picker, EWMA, outlier detector), the gateway's per-server runtime (agent,
// stats, check status), and the bounded queue of requests waiting for a free server slot
// (maxconn). A queued request is not bound to a server: it takes whichever slot frees first,
// so requests waiting while their server goes down are redispatched to the others.
import { ServerPool, type Outcome, type PoolEvent } from '../../sdk/balance/server-pool.js';
import type { AdminState } from '../../sdk/balance/eligible.js';
import type { PickRequest } from '../../sdk/balance/candidate.js';
import type { BackendConfig } from '../config.js';
import { UnknownServerError } from '../errors.js';
import { WaitQueue } from './wait-queue.js';
import { ServerRuntime } from './server.js';
import { Stats } from './stats.js';
import { RetryBudget } from '../../sdk/retry-budget.js';

export type BackendMode = 'http' | 'tcp';

export interface AcquireRequest extends PickRequest {
  /** Servers already tried by this request (never twice on the same server). */
  exclude?: ReadonlySet<string>;
  /** Sticky: the server named by the request's cookie, used when it is up (even if draining). */
  prefer?: string;
}

/** Why no server was given. */
export type AcquireFailure = 'no-server' | 'queue-full' | 'queue-timeout' | 'cancelled';

export class BackendRuntime {
  readonly name: string;
  readonly pool: ServerPool;
  readonly servers = new Map<string, ServerRuntime>();
  readonly stats = new Stats();
  readonly retryBudget: RetryBudget;
  private readonly queue: WaitQueue<ServerRuntime>;

  constructor(readonly config: BackendConfig, readonly mode: BackendMode) {
    this.name = config.name;
    const balance = config.balance ?? (mode === 'http' ? 'p2c-ewma' : 'leastconn');
    this.pool = new ServerPool(
      config.servers.map((s) => ({ id: s.name, weight: s.weight, maxconn: s.maxconn ?? 0, backup: s.backup })),
      {
        balance,
        picker: config.hash ? { hash: { balanceFactor: config.hash.boundedLoad } } : undefined,
        panicThreshold: config.panicThreshold > 0 ? config.panicThreshold / 100 : false,
        slowstart: config.slowstart,
        decayTime: config.decayTime,
        outlier: config.outlier.consecutiveErrors > 0
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
      this.servers.set(s.name, new ServerRuntime(s, this.pool.get(s.name)!, { maxIdleSockets: config.maxIdleSockets, connectTimeout: config.timeouts.connect, serverTimeout: config.timeouts.server }));
    }
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

  /** A server for a new request right now, or undefined (down or every server full). */
  pick(request: AcquireRequest = {}): ServerRuntime | undefined {
    if (request.prefer !== undefined) {
      const sticky = this.servers.get(request.prefer);
      const p = sticky?.pool;
      if (p && p.admin !== 'maint' && p.healthy && !request.exclude?.has(p.id) && (p.maxconn === 0 || p.inFlight < p.maxconn)) return sticky;
    }
    const chosen = this.pool.pick(request);
    return chosen ? this.servers.get(chosen.id) : undefined;
  }

  /**
   * For a request pick() found no server for: waits in the bounded queue for a slot to free
   * (queueTimeout), or fails at once when no server is up (`no-server`) or the queue is full.
   * Calls `done` once; returns a cancel function for a queued request (its client went away).
   */
  wait(done: (server: ServerRuntime | undefined, failure?: AcquireFailure) => void): () => void {
    if (!this.pool.eligible().saturated) {
      done(undefined, 'no-server');
      return noop;
    }
    let cancelled = false;
    const cancel = this.queue.enqueue((value) => {
      if (value) done(value);
      else if (cancelled) done(undefined, 'cancelled');
      else {
        this.stats.queueTimeouts++;
        done(undefined, 'queue-timeout');
      }
    });
    if (!cancel) {
      done(undefined, 'queue-full');
      return noop;
    }
    return () => {
      cancelled = true;
      cancel();
    };
  }

  /** A request goes to `server`: counts it in flight; returns its start time for end(). */
  begin(server: ServerRuntime): number {
    server.stats.requests++;
    this.stats.requests++;
    return this.pool.begin(server.pool);
  }

  /** The request on `server` ended: frees its slot and serves the queue. */
  end(server: ServerRuntime, startedAt: number, outcome: Outcome): void {
    this.pool.end(server.pool, startedAt, outcome);
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

  /** Queued requests take free slots (after a release, an up event, a weight change). */
  serveQueue(): void {
    if (this.queue.length > 0) this.queue.serve(() => this.pick());
  }

  /** Servers that can take requests (UP, not ejected), of all servers. */
  upCount(): { up: number; total: number } {
    let up = 0;
    for (const s of this.servers.values()) if (s.pool.healthy && s.pool.admin !== 'maint') up++;
    return { up, total: this.servers.size };
  }

  close(): void {
    this.queue.clear();
    for (const s of this.servers.values()) s.destroy();
  }

  private onPoolEvent(event: PoolEvent): void {
    const server = this.servers.get(event.id);
    if (server) server.lastChange = Date.now();
    if (event.type === 'up' || event.type === 'uneject') this.serveQueue();
  }
}

function noop(): void {}
