// Waiting for a replica connection to have replayed a session's WAL position. Each pooled
// connection stays on one server, and a server's replay position only moves forward, so the
// last position seen on a connection answers most checks without a query. A connection whose
// wait timed out is treated as lagging for `lagBackoff`: one check, no waiting, so a stalled
// replica costs one round trip per read instead of the whole wait.
import type { PoolClient } from 'pg';
import { parseLsn } from './lsn.js';

export const REPLAY_LSN_SQL =
  'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn';

interface ReplicaView {
  lsn: bigint;
  laggingUntil: number;
}

export interface ReplicaWaitOptions {
  wait: number;
  pollInterval: number;
  lagBackoff: number;
}

export class ReplicaTracker {
  private readonly views = new WeakMap<PoolClient, ReplicaView>();

  constructor(private readonly options: ReplicaWaitOptions) {}

  /** The connection's replay position now (a query), remembered for later checks. */
  async position(client: PoolClient): Promise<bigint> {
    const { rows } = await client.query<{ lsn: string | null }>(REPLAY_LSN_SQL);
    const lsn = rows[0]?.lsn ? parseLsn(rows[0].lsn) : 0n;
    const view = this.views.get(client);
    if (view) view.lsn = lsn > view.lsn ? lsn : view.lsn;
    else this.views.set(client, { lsn, laggingUntil: 0 });
    return lsn;
  }

  /** The last replay position seen on this connection (a lower bound of where it is now), if any. */
  known(client: PoolClient): bigint | undefined {
    return this.views.get(client)?.lsn;
  }

  /** True once the connection has replayed `needed`; false when it did not within the wait. */
  async caughtUp(client: PoolClient, needed: bigint): Promise<{ ok: boolean; waited: boolean }> {
    const known = this.views.get(client);
    if (known && known.lsn >= needed) return { ok: true, waited: false };
    const started = performance.now();
    const lagging = known !== undefined && started < known.laggingUntil;
    let pause = 1; // replicas usually catch up within a millisecond or two: poll fast, then back off
    for (;;) {
      if ((await this.position(client)) >= needed) return { ok: true, waited: performance.now() - started > 1 };
      const elapsed = performance.now() - started;
      if (lagging || elapsed >= this.options.wait) {
        if (!lagging) this.views.get(client)!.laggingUntil = performance.now() + this.options.lagBackoff;
        return { ok: false, waited: !lagging };
      }
      await new Promise((r) => setTimeout(r, Math.min(pause, this.options.wait - elapsed)));
      pause = Math.min(pause * 2, this.options.pollInterval);
    }
  }
}
