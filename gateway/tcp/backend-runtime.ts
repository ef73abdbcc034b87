// One TCP backend at run time: its servers, its balancing policy, its queue of connections
// waiting for a slot, and the two-primaries guard of a primary-only (write) backend.
import { createPicker } from '../../sdk/balance/create-picker.js';
import type { Picker } from '../../sdk/balance/candidate.js';
import type { Rng } from '../../sdk/random.js';
import type { TcpBackendConfig } from './config.js';
import { claimedPrimaries } from './postgres-verdict.js';
import { TcpServerRuntime } from './server-runtime.js';
import { WaitQueue } from './wait-queue.js';

/** Why no server was handed out. */
export type AcquireFailure = 'no-server' | 'queue-full' | 'queue-timeout' | 'two-primaries' | 'cancelled';

export type TakeResult = TcpServerRuntime | 'none' | 'full' | 'two-primaries';

export class TcpBackendRuntime {
  readonly name: string;
  readonly config: TcpBackendConfig;
  readonly servers: TcpServerRuntime[];
  private readonly picker: Picker;
  private readonly queue: WaitQueue<TcpServerRuntime>;
  /** A backend whose check wants a primary never guesses between two of them. */
  readonly guardsPrimary: boolean;
  totals = { sessions: 0, noServer: 0, queueFull: 0, queueTimeout: 0, refusedTwoPrimaries: 0 };

  constructor(config: TcpBackendConfig, rng?: Rng) {
    this.name = config.name;
    this.config = config;
    this.servers = config.servers.map((s) => new TcpServerRuntime(s, config.check !== undefined));
    this.picker = createPicker(config.balance, { rng });
    this.queue = new WaitQueue(config.maxQueue, config.queueTimeout);
    this.guardsPrimary = config.check?.type === 'postgres' && config.check.role === 'primary';
  }

  get queued(): number {
    return this.queue.length;
  }

  server(name: string): TcpServerRuntime | undefined {
    return this.servers.find((s) => s.id === name);
  }

  /** Servers that claim to be a primary, when more than one does (the write port then refuses). */
  conflictingPrimaries(): string[] | undefined {
    if (!this.guardsPrimary) return undefined;
    const claims = claimedPrimaries(this.servers.map((s) => [s.id, s.check.postgres]));
    return claims.length > 1 ? claims : undefined;
  }

  /** Usable servers; backup servers only when no other server is usable. */
  eligible(exclude?: ReadonlySet<TcpServerRuntime>): TcpServerRuntime[] {
    const usable = this.servers.filter((s) => s.usable && !exclude?.has(s));
    const active = usable.filter((s) => !s.backup);
    return active.length > 0 ? active : usable;
  }

  /** A server with a free slot, taken (its inFlight counted), or why there is none. */
  take(key?: string, exclude?: ReadonlySet<TcpServerRuntime>): TakeResult {
    if (this.conflictingPrimaries()) return 'two-primaries';
    const eligible = this.eligible(exclude);
    if (eligible.length === 0) return 'none';
    const open = eligible.filter((s) => s.hasFreeSlot);
    if (open.length === 0) return 'full';
    const server = this.picker.pick(open, { key }) ?? open[0];
    server.inFlight++;
    return server;
  }

  /**
   * A server for a new session: at once when one has a free slot, else after waiting in the
   * queue. `onCancel` receives the function that withdraws the wait (client went away).
   */
  acquire(
    key: string | undefined, exclude: ReadonlySet<TcpServerRuntime> | undefined, onCancel: (cancel: () => void) => void,
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
  release(server: TcpServerRuntime): void {
    server.inFlight = Math.max(0, server.inFlight - 1);
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
