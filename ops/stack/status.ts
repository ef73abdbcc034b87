// `tiered stack status`: each server's pid, port, liveness, and for PostgreSQL its live role
// (pg_is_in_recovery) and, on replicas, how many bytes of WAL it has yet to replay.
import pg from 'pg';
import { isListening } from './net.js';
import { isAlive } from './processes.js';
import { postgresUrl } from './postgres.js';
import type { StackState } from './state.js';

export interface ServerStatus {
  name: string;
  kind: string;
  port: number;
  pid?: number;
  up: boolean;
  role?: 'primary' | 'replica';
  lagBytes?: number | null;
}

async function query<T>(port: number, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgresUrl(port), connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}

export async function stackStatus(state: StackState): Promise<ServerStatus[]> {
  const out: ServerStatus[] = [];
  for (const server of state.servers) {
    const up = isAlive(server.pid) || (server.kind === 'postgres' && (await isListening(server.port)));
    const status: ServerStatus = { name: server.name, kind: server.kind, port: server.port, pid: server.pid, up: up && (await isListening(server.port)) };
    if (server.kind === 'postgres' && status.up) {
      try {
        const [row] = await query<{ r: boolean }>(server.port, 'SELECT pg_is_in_recovery() AS r');
        status.role = row.r ? 'replica' : 'primary';
        if (row.r) {
          const [lag] = await query<{ lag: string | null }>(server.port,
            'SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint AS lag');
          status.lagBytes = lag.lag === null ? null : Number(lag.lag);
        }
      } catch {
        status.up = false;
      }
    }
    out.push(status);
  }
  // Lag as the primary sees it (sent but not yet replayed) is the truer figure when available.
  const primary = out.find((s) => s.role === 'primary');
  if (primary) {
    try {
      const rows = await query<{ lag: string | null }>(primary.port,
        'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag FROM pg_stat_replication');
      const replica = out.find((s) => s.role === 'replica');
      if (replica && rows[0]) replica.lagBytes = rows[0].lag === null ? null : Number(rows[0].lag);
    } catch {}
  }
  return out;
}
