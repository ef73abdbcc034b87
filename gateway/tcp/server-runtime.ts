// The TCP side of one server: its address, health-check detail (postgres role and lag), open
// sessions and byte totals. Balancing state (admin state, weight, in-flight, health) lives in
// the sdk PoolServer it wraps, so the same eligible-set and picker code decide for TCP and HTTP.
import type { AdminState } from '../../sdk/balance/eligible.js';
import type { PoolServer } from '../../sdk/balance/server-pool.js';
import type { PostgresVerdict } from './postgres-verdict.js';
import type { Relay } from './relay.js';
import { SessionTimes } from './session-times.js';

export type { AdminState };

export interface CheckDetail {
  /** Detail of the last check (`primary`, `replica lag 0 bytes`, `ECONNREFUSED`, …). */
  detail: string;
  /** Wall-clock time of the last UP/DOWN change (ms since the epoch). */
  lastChange: number;
  /** The last postgres verdict (role, lag); undefined for `tcp` checks. */
  postgres?: PostgresVerdict;
}

export class TcpServerRuntime {
  readonly sessions = new Set<Relay>();
  readonly totals = { sessions: 0, connectErrors: 0, bytesIn: 0, bytesOut: 0 };
  readonly times = new SessionTimes();
  check: CheckDetail;

  constructor(readonly address: string, readonly pool: PoolServer, checked: boolean) {
    this.check = { detail: checked ? 'not checked yet' : 'no check', lastChange: Date.now() };
  }

  get id(): string {
    return this.pool.id;
  }

  get up(): boolean {
    return this.pool.checkUp;
  }

  get state(): AdminState {
    return this.pool.admin;
  }

  get inFlight(): number {
    return this.pool.inFlight;
  }

  /** Closes every open session now (on-marked-down shutdown-sessions). */
  shutdownSessions(): number {
    const count = this.sessions.size;
    for (const session of this.sessions) session.shutdown();
    return count;
  }
}
