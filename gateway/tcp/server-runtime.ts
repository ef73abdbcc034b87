// The live state of one server of a TCP backend: admin state and weight (runtime API), health
// (the check runner sets it), open sessions and totals. It is the `Candidate` the pickers read.
import type { Candidate } from '../../sdk/balance/candidate.js';
import type { TcpServerConfig } from './config.js';
import type { PostgresVerdict } from './postgres-verdict.js';
import type { Relay } from './relay.js';

export type AdminState = 'ready' | 'drain' | 'maint';

export interface CheckStatus {
  /** UP after `rise` passes, DOWN after `fall` failures; servers without a check are always UP. */
  up: boolean;
  /** Detail of the last check (`primary`, `replica lag 0 bytes`, `ECONNREFUSED`, …). */
  detail: string;
  /** Wall-clock time of the last UP/DOWN change (ms since the epoch). */
  lastChange: number;
  /** The last postgres verdict (role, lag); undefined for `tcp` checks. */
  postgres?: PostgresVerdict;
}

export class TcpServerRuntime implements Candidate {
  readonly id: string;
  readonly address: string;
  readonly backup: boolean;
  readonly maxconn: number;
  configuredWeight: number;
  state: AdminState = 'ready';
  check: CheckStatus;
  /** Sessions open right now (counted from slot acquisition to relay end). */
  inFlight = 0;
  readonly sessions = new Set<Relay>();
  totals = { sessions: 0, connectErrors: 0, bytesIn: 0, bytesOut: 0 };

  constructor(config: TcpServerConfig, checked: boolean) {
    this.id = config.name;
    this.address = config.address;
    this.backup = config.backup;
    this.maxconn = config.maxconn ?? 0;
    this.configuredWeight = config.weight;
    // A checked server starts DOWN and goes UP on its first passing check: a DB port must not
    // send its first connections to a server whose role it has not seen yet.
    this.check = { up: !checked, detail: checked ? 'not checked yet' : 'no check', lastChange: Date.now() };
  }

  get weight(): number {
    return this.configuredWeight;
  }

  /** May take new sessions (health, admin state and weight; not maxconn). */
  get usable(): boolean {
    return this.check.up && this.state === 'ready' && this.configuredWeight > 0;
  }

  get hasFreeSlot(): boolean {
    return this.maxconn === 0 || this.inFlight < this.maxconn;
  }

  /** Closes every open session now (on-marked-down shutdown-sessions). */
  shutdownSessions(): number {
    const count = this.sessions.size;
    for (const session of this.sessions) session.shutdown();
    return count;
  }
}
