// Active health checks of one TCP backend: `tcp` (connect) or `postgres` (log in, role, lag),
// each server on its own timer, through the shared rise/fall state machine (sdk/health).
// Transitions are applied to the server runtime; a DOWN with on-marked-down shutdown-sessions
// closes its open sessions.
import { initialCheckState, nextCheckDelay, nextCheckState, type CheckState } from '../../sdk/health/check-state.js';
import type { Logger } from '../../sdk/log/logger.js';
import type { TcpBackendRuntime } from './backend-runtime.js';
import type { PostgresCheckConfig, TcpCheckConfig } from './config.js';
import { connectServer } from './connect.js';
import { currentWalLsn, probePostgres, type PostgresLogin } from './postgres-probe.js';
import type { PostgresTopology } from './postgres-topology.js';
import { judgePostgres, type PostgresVerdict } from './postgres-verdict.js';
import type { TcpServerRuntime } from './server-runtime.js';

export interface CheckResult {
  pass: boolean;
  detail: string;
  postgres?: PostgresVerdict;
  /** The failure is a login problem (bad user, password or database): a config error. */
  login?: boolean;
}

async function tcpCheck(server: TcpServerRuntime, check: TcpCheckConfig): Promise<CheckResult> {
  try {
    const socket = await connectServer(server.address, { timeoutMs: check.timeout });
    socket.destroy();
    return { pass: true, detail: 'connected' };
  } catch (error) {
    return { pass: false, detail: (error as Error).message };
  }
}

async function postgresCheck(server: TcpServerRuntime, check: PostgresCheckConfig, topology: PostgresTopology): Promise<CheckResult> {
  const login: PostgresLogin = {
    user: check.user,
    password: check.password ?? (check.passwordEnv ? process.env[check.passwordEnv] : undefined),
    database: check.database,
    timeoutMs: check.timeout,
  };
  const probe = await probePostgres(server.address, login);
  topology.record(server.address, probe.ok ? (probe.inRecovery ? 'replica' : 'primary') : undefined);
  let primaryLsn: bigint | undefined;
  if (probe.ok && probe.inRecovery && check.maxLagBytes !== undefined) {
    const primary = topology.primary();
    if (primary !== undefined && primary !== server.address) primaryLsn = await currentWalLsn(primary, login);
  }
  const verdict = judgePostgres(probe, check, primaryLsn);
  return { pass: verdict.pass, detail: verdict.detail, postgres: verdict, login: !probe.ok && probe.login };
}

export class TcpHealthChecker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly states = new Map<TcpServerRuntime, CheckState>();
  private readonly loginErrors = new Map<TcpServerRuntime, string>();
  private conflict = '';
  private stopped = false;

  constructor(
    private readonly backend: TcpBackendRuntime,
    private readonly topology: PostgresTopology,
    private readonly log: Logger,
  ) {}

  /** This backend's check looks for a primary (run first: replicas measure lag against it). */
  get checksPrimary(): boolean {
    const check = this.backend.config.check;
    return check?.type === 'postgres' && check.role === 'primary';
  }

  /** Checks every server once (the first result decides its state), then keeps checking. */
  async start(): Promise<void> {
    const check = this.backend.config.check;
    if (!check) return;
    await Promise.all(this.backend.servers.map(async (server) => {
      const result = await this.run(server);
      if (this.stopped) return;
      const state = initialCheckState(result.pass);
      this.states.set(server, state);
      this.apply(server, result, result.pass !== server.up);
      this.schedule(server, state);
    }));
    this.watchPrimaries();
    this.backend.dispatch();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private run(server: TcpServerRuntime): Promise<CheckResult> {
    const check = this.backend.config.check!;
    return check.type === 'postgres' ? postgresCheck(server, check, this.topology) : tcpCheck(server, check);
  }

  private schedule(server: TcpServerRuntime, state: CheckState): void {
    if (this.stopped) return;
    const check = this.backend.config.check!;
    const delay = nextCheckDelay(state, {
      interval: check.interval,
      fastInterval: check.fastInterval ?? check.interval,
      downInterval: check.downInterval ?? check.interval,
    });
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      if (server.state === 'maint') return this.schedule(server, state); // maint stops checks
      const result = await this.run(server);
      if (this.stopped) return;
      const next = nextCheckState(this.states.get(server)!, result.pass, this.backend.config.check!);
      this.states.set(server, next.state);
      this.apply(server, result, next.transition === 'changed');
      this.watchPrimaries();
      this.schedule(server, next.state);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private apply(server: TcpServerRuntime, result: CheckResult, changed: boolean): void {
    const where = { backend: this.backend.name, server: server.id, address: server.address };
    this.reportLogin(server, result, where);
    server.check = { detail: result.detail, lastChange: changed ? Date.now() : server.check.lastChange, postgres: result.postgres };
    if (!changed) return;
    this.backend.setHealthy(server, !server.up);
    if (server.up) {
      this.log.info({ ...where, check: result.detail }, `server ${this.backend.name}/${server.id} is UP`);
      return;
    }
    this.log.warn({ ...where, check: result.detail }, `server ${this.backend.name}/${server.id} is DOWN: ${result.detail}`);
    if (this.backend.config.onMarkedDown === 'shutdown-sessions') {
      const closed = server.shutdownSessions();
      if (closed > 0) this.log.warn({ ...where, closed }, `closed ${closed} session(s) of ${this.backend.name}/${server.id} (on-marked-down shutdown-sessions)`);
    }
  }

  /** A login failure is a config problem: say so once (and again when the error changes). */
  private reportLogin(server: TcpServerRuntime, result: CheckResult, where: object): void {
    if (!result.login) {
      this.loginErrors.delete(server);
      return;
    }
    if (this.loginErrors.get(server) === result.detail) return;
    this.loginErrors.set(server, result.detail);
    const check = this.backend.config.check as PostgresCheckConfig;
    this.log.error({ ...where, user: check.user, database: check.database, error: result.detail },
      `postgres check of ${this.backend.name}/${server.id} cannot log in as "${check.user}" to database "${check.database}": ${result.detail}; the server stays DOWN until the check credentials are fixed`);
  }

  private watchPrimaries(): void {
    const claims = this.backend.conflictingPrimaries();
    const now = claims ? claims.join(',') : '';
    if (now === this.conflict) return;
    this.conflict = now;
    if (claims) {
      this.log.error({ backend: this.backend.name, servers: claims, alert: 'two-primaries' },
        `ALERT: ${claims.length} servers of backend ${this.backend.name} claim to be primary (${claims.join(', ')}); refusing new connections rather than guessing`);
    } else {
      this.log.warn({ backend: this.backend.name }, `backend ${this.backend.name} has at most one primary again; accepting connections`);
      this.backend.dispatch();
    }
  }
}
