// The decision of the `postgres` health check: does this probe pass for the configured role
// and lag limits? Pure: the probe, the lag reference and the limits in, a verdict out.
import type { PostgresProbe } from './postgres-probe.js';
import { lsnDistance } from '../../sdk/db/lsn.js';

export type PostgresRole = 'primary' | 'replica';

export interface PostgresLimits {
  role: 'primary' | 'replica' | 'any';
  maxLagBytes?: number;
  maxLagSeconds?: number;
}

export interface PostgresVerdict {
  pass: boolean;
  /** Short reason for the stats page and logs: `primary`, `replica lag 12MB > 1MB`, `28P01 …`. */
  detail: string;
  /** What the server said it is; undefined when it could not be asked. */
  role?: PostgresRole;
  lagBytes?: number;
  lagSeconds?: number;
}

/**
 * `primaryLsn` is the primary's current WAL position when known; without it the replica's own
 * received-but-not-replayed WAL is the measure (it misses WAL the replica never received).
 */
export function judgePostgres(probe: PostgresProbe, limits: PostgresLimits, primaryLsn?: bigint): PostgresVerdict {
  if (!probe.ok) return { pass: false, detail: probe.error };
  const role: PostgresRole = probe.inRecovery ? 'replica' : 'primary';
  if (limits.role !== 'any' && limits.role !== role) {
    return { pass: false, role, detail: `is a ${role}, expected a ${limits.role}` };
  }
  if (role === 'primary') return { pass: true, role, detail: 'primary' };
  const reference = primaryLsn ?? probe.receiveLsn;
  const lagBytes = reference !== undefined && probe.lsn !== undefined ? lsnDistance(reference, probe.lsn) : undefined;
  const lagSeconds = probe.lagSeconds;
  if (limits.maxLagBytes !== undefined && lagBytes !== undefined && lagBytes > limits.maxLagBytes) {
    return { pass: false, role, lagBytes, lagSeconds, detail: `replica lag ${lagBytes} bytes > ${limits.maxLagBytes}` };
  }
  if (limits.maxLagSeconds !== undefined && lagSeconds * 1000 > limits.maxLagSeconds) {
    return { pass: false, role, lagBytes, lagSeconds, detail: `replica lag ${lagSeconds.toFixed(1)}s > ${limits.maxLagSeconds / 1000}s` };
  }
  return { pass: true, role, lagBytes, lagSeconds, detail: `replica lag ${lagBytes ?? '?'} bytes` };
}

/** Servers that claim to be a primary right now; more than one means the write port refuses. */
export function claimedPrimaries(verdicts: Iterable<[string, PostgresVerdict | undefined]>): string[] {
  const out: string[] = [];
  for (const [name, verdict] of verdicts) if (verdict?.role === 'primary') out.push(name);
  return out;
}
