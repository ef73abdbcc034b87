// One TCP backend at run time: the sdk ServerPool (eligible set, picker, admin state, health)
// plus what TCP adds: the queue of connections waiting for a slot (maxconn), the fallback
// backend's name, and the two-primaries guard of a primary-only (write) backend.
import { ServerPool, type Outcome } from '../../sdk/balance/server-pool.js';
import type { AdminState } from '../../sdk/balance/eligible.js';
import type { Rng } from '../../sdk/random.js';
import type { TcpBackendConfig } from './config.js';
import { claimedPrimaries } from './postgres-verdict.js';
import { TcpServerRuntime } from './server-runtime.js';
import { WaitQueue } from '../backend/wait-queue.js';

/** Why no server was handed out. */
export type AcquireFailure = 'no-server' | 'queue-full' | 'queue-timeout' | 'two-primaries' | 'cancelled';

export type TakeResult = TcpServerRuntime | 'none' | 'full' | 'two-primaries';

export class TcpBackendRuntime {
  readonly name: string;
  readonly pool: ServerPool;
  readonly servers: TcpServerRuntime[];
  private readonly byId = new Map<string, TcpServerRuntime>();
  private readonly queue: WaitQueue<TcpServerRuntime>;
  /** A backend whose check wants a primary never guesses between two of them. */
  readonly guardsPrimary: boolean;
  totals = { sessions: 0, noServer: 0, queueFull: 0, queueTimeout: 0, refusedTwoPrimaries: 0 };

  constructor(readonly config: TcpBackendConfig, rng?: Rng) {
    this.name = config.name;
    // No panic mode and no passive ejection: a DB port must never send reads to a replica its
    // check took out (lagging, or a primary on the read port); active checks decide. `hash` is
    // HAProxy's `balance source` with consistent hashing and no load bound (its default), so a
    // client address stays on its server.
    this.pool = new ServerPool(
      config.servers.map((s) => ({ id: s.name, weight: s.weight, maxconn: s.maxconn ?? 0, backup: s.backup })),
      { balance: config.balance, rng, panicThreshold: false, outlier: false, picker: { hash: { balanceFactor: 0 } } },
    );
    const checked = config.check !== undefined;
    this.servers = config.servers.map((s) => new TcpServerRuntime(s.address, this.pool.get(s.name)!, checked));
    for (const s of this.servers) {
      this.byId.set(s.id, s);
      // A checked server starts DOWN and its first check decides: the first connection of a DB
      // port must not go to a server whose role has not been seen yet.
      if (checked) this.pool.setHealthy(s.id, false);
    }
    this.queue = new WaitQueue(config.maxQueue, config.queueTimeout);
    this.guardsPrimary = config.check?.type === 'postgres' && config.check.role === 'primary';
    this.pool.onEvent((event) => {
      if (event.type === 'up') this.dispatch();
    });
  }

  get queued(): number {
    return this.queue.length;
  }

  server(name: string): TcpServerRuntime | undefined {
    return this.byId.get(name);
  }

  /** Servers that claim to be a primary, when more than one does (the write port then refuses). */
  conflictingPrimaries(): string[] | undefined {
    if (!this.guardsPrimary) return undefined;
    const claims = claimedPrimaries(this.servers.map((s) => [s.id, s.check.postgres]));
    return claims.length > 1 ? claims : undefined;
  }

  /** The health checker's seam: UP or DOWN. */
  setHealthy(server: TcpServerRuntime, up: boolean): void {
    this.pool.setHealthy(server.id, up);
  }

  /** Runtime API: drain / maint / ready, weight. */
  update(server: TcpServerRuntime, change: { state?: AdminState; weight?: number }): void {
    this.pool.update(server.id, { admin: change.state, weight: change.weight });
    this.dispatch();
  }

  /** A server with a free slot, taken (counted in flight), or why there is none. */
  take(key?: string, exclude?: ReadonlySet<string>): TakeResult {
    if (this.conflictingPrimaries()) return 'two-primaries';
    const set = this.pool.eligible();
    if (set.mode === 'empty') return 'none';
    if (set.saturated) return 'full';
    const chosen = this.pool.pick({ key, exclude });
    if (!chosen) return 'none'; // every server with room was already tried
    this.pool.begin(chosen);
    return this.byId.get(chosen.id)!;
  }

  /**
   * A server for a new session: at once when one has a free slot, else after waiting in the
   * queue. `onCancel` receives the function that withdraws the wait (client went away).
   */
  acquire(
    key: string | undefined, exclude: ReadonlySet<string> | undefined, onCancel: (cancel: () => void) => void,
  ): Promise<TcpServerRuntime | AcquireFailure> {
    const taken = this.take(key, exclude);
    if (taken instanceof TcpServerRuntime) return Promise.resolve(taken);
    if (taken === 'two-primaries') {
      this.totals.refusedTwoPrimaries++;
      return Promise.resolve('two-primaries');
    }
    if (taken === 'none') {
      this.totals.noServer++;
      return Promise.resolve('no-server');
    }
    return new Promise((resolve) => {
      let cancelled = false;
      const cancel = this.queue.enqueue((server) => {
        if (server) resolve(server);
        else if (cancelled) resolve('cancelled');
        else {
          this.totals.queueTimeout++;
          resolve('queue-timeout');
        }
      });
      if (!cancel) {
        this.totals.queueFull++;
        resolve('queue-full');
        return;
      }
      onCancel(() => {
        cancelled = true;
        cancel();
      });
    });
  }

  /** A session ended (or never started): free its slot and serve the queue. */
  release(server: TcpServerRuntime, startedAt: number, outcome: Outcome): void {
    this.pool.end(server.pool, startedAt, outcome);
    this.dispatch();
  }

  /** Hands free slots to queued connections (after a release, a server coming UP, a state change). */
  dispatch(): void {
    if (this.queue.length === 0) return;
    this.queue.serve(() => {
      const taken = this.take();
      return taken instanceof TcpServerRuntime ? taken : undefined;
    });
  }

  /** Stop: queued connections leave with nothing. */
  close(): void {
    this.queue.clear();
  }
}
