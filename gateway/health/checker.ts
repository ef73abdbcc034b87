// Active health checks of one backend, HTTP and TCP mode alike: the sdk's HealthChecker (the one
// checker of Tiered: rise/fall, intervals, injected clock and randomness) with this backend's
// probe plugin (http, tcp or postgres), reporting to the backend's pool. Here only what the
// gateway adds on each result: the check detail for /stats, the UP/DOWN log line and listener
// (a supervising primary broadcasts it to its workers), on-marked-down shutdown-sessions, a
// postgres login problem said once, and the two-primaries guard of a write port.
import { HealthChecker } from '../../sdk/health/health-checker.js';
import type { CheckResult } from '../../sdk/health/health-checker.js';
import type { Probe } from '../../sdk/health/probes.js';
import type { Logger } from '../../sdk/log/logger.js';
import type { Rng } from '../../sdk/random.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { CheckCode, ServerRuntime } from '../backend/server.js';
import type { CheckConfig } from '../config.js';
import { postgresCheckProbe, type PostgresCheckData } from '../tcp/postgres-check.js';
import type { PostgresTopology } from '../tcp/postgres-topology.js';
import type { PostgresVerdict } from '../tcp/postgres-verdict.js';
import { httpCheckProbe, tcpCheckProbe } from './probes.js';

/** What a check found, as the servers' state shows it (and a supervising primary sends its workers). */
export interface CheckReport {
  backend: string;
  server: string;
  up: boolean;
  code: CheckCode;
  detail: string;
  postgres?: PostgresVerdict;
}

/** Hears every check result that changed what /stats shows (state, code, detail, role). */
export type HealthListener = (report: CheckReport) => void;

export interface BackendHealthDeps {
  log: Logger;
  /** Roles the postgres checks have seen, shared by every backend (replica lag is measured against the primary). */
  topology: PostgresTopology;
  onChange?: HealthListener;
  rng?: Rng;
}

function probeFor(server: ServerRuntime, check: CheckConfig, topology: PostgresTopology): Probe {
  if (check.type === 'http') return httpCheckProbe(server.host, server.port, check);
  if (check.type === 'tcp') return tcpCheckProbe(server.host, server.port, check.timeout);
  return postgresCheckProbe(server.address, check, topology);
}

export class BackendHealth {
  private readonly checker: HealthChecker;
  private readonly loginErrors = new Map<string, string>();
  /** What was last reported per server (the listener hears changes only). */
  private readonly reported = new Map<string, string>();

  constructor(private readonly backend: BackendRuntime, private readonly check: CheckConfig, private readonly deps: BackendHealthDeps) {
    this.checker = new HealthChecker(backend, {
      interval: check.interval,
      fastInterval: check.fastInterval,
      downInterval: check.downInterval,
      rise: check.rise,
      fall: check.fall,
      timeout: check.timeout,
      // A DB port's first check decides (its servers start DOWN); an HTTP server starts UP.
      initialUp: backend.mode === 'tcp' ? 'first-check' : true,
      onResult: (id, result) => this.onResult(backend.server(id), result),
      rng: deps.rng,
    });
    for (const server of backend.servers.values()) {
      if (backend.mode === 'http') server.check.code = 'init';
      this.checker.add({
        id: server.name,
        probe: probeFor(server, check, deps.topology),
        up: server.pool.checkUp,
        paused: () => server.pool.admin === 'maint', // HAProxy does not check a server in maintenance
      });
    }
  }

  get backendName(): string {
    return this.backend.name;
  }

  /** This backend's check looks for a primary (run first: replicas measure lag against it). */
  get checksPrimary(): boolean {
    return this.check.type === 'postgres' && this.check.role === 'primary';
  }

  /** Checks every server once (a DB port's first result decides its state), then keeps checking. */
  async start(): Promise<void> {
    await this.checker.startChecked();
    this.watchPrimaries();
    this.backend.serveQueue();
  }

  stop(): void {
    this.checker.stop();
  }

  private onResult(server: ServerRuntime, result: CheckResult): void {
    const backend = this.backend;
    const data = result.data as PostgresCheckData | undefined;
    const changed = result.transition === 'changed';
    const now = Date.now();
    const code = (result.code ?? (result.passed ? 'L4OK' : 'L4CON')) as CheckCode;
    const detail = result.detail ?? (result.passed ? 'passed' : 'failed');
    server.check = { code, detail, lastCheck: now, lastChange: changed ? now : server.check.lastChange, postgres: data?.verdict };
    const where = { backend: backend.name, server: server.name, address: server.address };
    this.reportLogin(server, data, detail, where);
    this.watchPrimaries();
    const report: CheckReport = { backend: backend.name, server: server.name, up: result.up, code, detail, postgres: data?.verdict };
    const key = JSON.stringify([report.up, code, detail, data?.verdict?.role]);
    if (this.reported.get(server.name) !== key) {
      this.reported.set(server.name, key);
      this.deps.onChange?.(report);
    }
    if (!changed) return;
    const { log } = this.deps;
    if (result.up) log.info({ ...where, check: code, detail }, `server ${backend.name}/${server.name} is UP (${code}: ${detail})`);
    else {
      log.warn({ ...where, check: code, detail }, `server ${backend.name}/${server.name} is DOWN (${code}: ${detail})`);
      if (backend.config.onMarkedDown === 'shutdown-sessions') {
        const closed = server.shutdownSessions();
        if (closed > 0) log.warn({ ...where, closed }, `closed ${closed} session(s) of ${backend.name}/${server.name} (on-marked-down shutdown-sessions)`);
      }
    }
  }

  /** A login failure is a config problem: say so once (and again when the error changes). */
  private reportLogin(server: ServerRuntime, data: PostgresCheckData | undefined, detail: string, where: object): void {
    if (!data?.login || this.check.type !== 'postgres') {
      this.loginErrors.delete(server.name);
      return;
    }
    if (this.loginErrors.get(server.name) === detail) return;
    this.loginErrors.set(server.name, detail);
    const { user, database } = this.check;
    this.deps.log.error({ ...where, user, database, error: detail },
      `postgres check of ${this.backend.name}/${server.name} cannot log in as "${user}" to database "${database}": ${detail}; the server stays DOWN until the check credentials are fixed`);
  }

  /** A write port never guesses between two primaries: it refuses new connections while two claim the role. */
  private watchPrimaries(): void {
    const backend = this.backend;
    if (!backend.refreshPrimaryGuard()) return;
    const conflicting = backend.conflictingPrimaries;
    if (conflicting) {
      this.deps.log.error({ backend: backend.name, servers: conflicting, alert: 'two-primaries' },
        `ALERT: ${conflicting.length} servers of backend ${backend.name} claim to be primary (${conflicting.join(', ')}); refusing new connections rather than guessing`);
    } else {
      this.deps.log.warn({ backend: backend.name }, `backend ${backend.name} has at most one primary again; accepting connections`);
    }
  }
}
