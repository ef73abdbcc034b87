// The `postgres` probe plugin of the health checker: log in, role and WAL position
// (postgres-probe.ts), the lag against the primary the topology last saw, and the verdict for the
// configured role and limits (postgres-verdict.ts). The verdict travels as the result's `data`.
import type { Probe, ProbeResult } from '../../sdk/health/probes.js';
import type { PostgresCheckConfig } from '../config.js';
import { currentWalLsn, probePostgres, type PostgresLogin } from './postgres-probe.js';
import type { PostgresTopology } from './postgres-topology.js';
import { judgePostgres, type PostgresVerdict } from './postgres-verdict.js';

export interface PostgresCheckData {
  verdict: PostgresVerdict;
  /** The failure is a login problem (bad user, password or database): a config error. */
  login: boolean;
}

export function postgresCheckProbe(address: string, check: PostgresCheckConfig, topology: PostgresTopology): Probe {
  return async (): Promise<ProbeResult> => {
    const login: PostgresLogin = {
      user: check.user,
      password: check.password ?? (check.passwordEnv ? process.env[check.passwordEnv] : undefined),
      database: check.database,
      timeoutMs: check.timeout,
    };
    const probe = await probePostgres(address, login);
    topology.record(address, probe.ok ? (probe.inRecovery ? 'replica' : 'primary') : undefined);
    let primaryLsn: bigint | undefined;
    if (probe.ok && probe.inRecovery && check.maxLagBytes !== undefined) {
      const primary = topology.primary();
      if (primary !== undefined && primary !== address) primaryLsn = await currentWalLsn(primary, login);
    }
    const verdict = judgePostgres(probe, check, primaryLsn);
    const data: PostgresCheckData = { verdict, login: !probe.ok && probe.login };
    return { passed: verdict.pass, code: verdict.pass ? 'PGOK' : 'PGERR', detail: verdict.detail, data };
  };
}
