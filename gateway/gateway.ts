// The gateway process, start-up order in one place: validate the config, build the backends
// (one model for HTTP and TCP mode), run the first round of active checks (so the first request
// already sees each server's state and a DB port each server's role), open the HTTP and TCP
// frontends, then the admin port. `reload(config)` swaps frontends and backends with no failed
// request; `stop(grace)` drains.
import { formatIssues } from '../sdk/config/schema.js';
import { ConfigError } from '../sdk/errors.js';
import { createLogger, type Logger } from '../sdk/log/logger.js';
import type { AdminState } from '../sdk/balance/eligible.js';
import { BackendRuntime, type BackendMode } from './backend/backend.js';
import { gatewayConfigSchema, type BackendConfig, type GatewayConfig, type HttpFrontendConfig, type TcpFrontendConfig } from './config.js';
import { BackendHealth, type CheckReport, type HealthListener } from './health/checker.js';
import { HttpFrontendRuntime } from './frontend/frontend-runtime.js';
import { createHttpProxy, sendWithHttpProxy3 } from './upstream/proxy3-attempt.js';
import { sendWithNativeParser } from './upstream/native-attempt.js';
import { sendWithUndici } from './upstream/undici-attempt.js';
import { registerEngine } from './upstream/engines.js';
import { listenerKind, listenHttp, type HttpListener } from './frontend/listener.js';
import { startTcpFrontend, type TcpFrontend } from './tcp/frontend.js';
import { PostgresTopology } from './tcp/postgres-topology.js';
import { startAdmin, type AdminMount, type AdminServer } from './admin/server.js';
import { UnknownServerError } from './errors.js';
import { gatewayStats, type GatewayStats } from './admin/stats-model.js';
import { EdgeRegistry, type PurgeResult } from './edge/edges.js';
import type { PurgeRequest } from './edge/purge-body.js';
import { Edge } from './edge/edge.js';
import { edgeOrigin } from './frontend/edge-origin.js';

// The upstream engines, registered once: the exchange finds them by name (upstream/engines.ts).
registerEngine('native', sendWithNativeParser);
registerEngine('undici', sendWithUndici);
registerEngine('http-proxy-3', sendWithHttpProxy3);

export interface GatewayOptions {
  /** Start the admin port (when configured). Workers of a cluster leave it to the primary. */
  admin?: boolean;
  /** Run active checks here (false in cluster workers: the primary checks and broadcasts). */
  activeChecks?: boolean;
  /** Hears every check result that changed what /stats shows (a supervising primary broadcasts them). */
  onHealthChange?: HealthListener;
  /** Check results known before start (a worker of a supervising primary opens its ports knowing them). */
  initialHealth?: CheckReport[];
  /** Longest wait for the first round of active checks before the ports open (default 10 s). */
  firstCheckTimeoutMs?: number;
  /** Reload hook of the admin API (`POST /reload`): re-reads the config source. */
  reloadSource?: () => Promise<GatewayConfig> | GatewayConfig;
  /** The gateway's log (default: the `gateway` logger). */
  log?: Logger;
  /** Access log override (tests). */
  accessLog?: boolean;
  /** Open the HTTP frontends (false in a cluster primary: it only checks, workers listen). */
  listenHttp?: boolean;
  /** Open the TCP frontends (false in a cluster primary: workers serve them). */
  listenTcp?: boolean;
  /** Stats as the admin port shows them (a cluster primary adds its workers' counters). */
  statsSource?: (own: GatewayStats) => Promise<GatewayStats> | GatewayStats;
  /** Called after a runtime-API change was applied here (a cluster primary mirrors it). */
  onServerChange?: (backend: string, server: string, change: { state?: AdminState; weight?: number }) => void;
  /** Called after a reload was applied here. */
  onReload?: (config: GatewayConfig) => void;
  /** Extra pages on the admin port behind its token (ops/ mounts the queue view at /queues). */
  adminMounts?: AdminMount[];
  /** An edge purge applied here; a supervising primary passes it to its workers (which hold the edges) and adds their counts. */
  onPurge?: (request: PurgeRequest) => Promise<Record<string, number>>;
}

export interface Gateway {
  readonly config: GatewayConfig;
  /** Bound port per frontend name (HTTP and TCP), and `admin`. */
  ports(): Record<string, number>;
  backends(): ReadonlyMap<string, BackendRuntime>;
  /** `histograms`: every snapshot carries its HDR histogram (for a supervising primary's exact merge). */
  stats(options?: { histograms?: boolean }): GatewayStats;
  setServer(backend: string, server: string, change: { state?: AdminState; weight?: number }): void;
  /** Applies a changed config: new requests use it; in-flight ones finish on the old one. */
  reload(next: GatewayConfig | unknown): Promise<void>;
  /** A check result found elsewhere (a supervising primary's). */
  applyHealth(report: CheckReport): void;
  /** An edge purge on every edge of this process (and the other instances through the bus unless `publish: false`). */
  purge(request: PurgeRequest, options?: { publish?: boolean }): Promise<PurgeResult>;
  stop(graceMs?: number): Promise<void>;
}

const defaultLog = createLogger('gateway');

export function validateGatewayConfig(input: unknown): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, ['gateway']));
  return parsed.data;
}

/**
 * The mode of each backend: `tcp` when a TCP frontend sends to it (or it is the fallback of such
 * a backend), else `http` (also for a backend no frontend uses yet: HAProxy builds and checks
 * every backend, and the runtime API can reach it).
 */
function backendModes(config: GatewayConfig): Map<string, BackendMode> {
  const modes = new Map<string, BackendMode>();
  const byName = new Map(config.backends.map((b) => [b.name, b]));
  for (const b of config.backends) modes.set(b.name, 'http');
  for (const f of config.frontends) {
    if (f.mode !== 'tcp') continue;
    for (let name: string | undefined = f.backend; name !== undefined && modes.get(name) !== 'tcp'; name = byName.get(name)?.fallback) modes.set(name, 'tcp');
  }
  return modes;
}

interface BackendSet {
  backends: Map<string, BackendRuntime>;
  checks: Map<string, BackendHealth>;
}

function sameConfig(a: BackendConfig, b: BackendConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A reloaded backend keeps what it knew of servers that stayed (same name and address): up/down, admin state, last check. */
function carryState(from: BackendRuntime, to: BackendRuntime): void {
  for (const server of to.servers.values()) {
    const before = from.servers.get(server.name);
    if (!before || before.address !== server.address) continue;
    to.pool.setHealthy(server.name, before.pool.checkUp);
    if (before.pool.admin !== 'ready') to.pool.update(server.name, { admin: before.pool.admin });
    server.check = { ...before.check };
  }
  to.refreshPrimaryGuard();
}

/** A check result found elsewhere: the server's check detail, its state, the primary guard. */
function applyReport(backends: ReadonlyMap<string, BackendRuntime>, report: CheckReport): void {
  const backend = backends.get(report.backend);
  const server = backend?.servers.get(report.server);
  if (!backend || !server) return;
  const now = Date.now();
  const changed = server.pool.checkUp !== report.up;
  server.check = { code: report.code, detail: report.detail, lastCheck: now, lastChange: changed ? now : server.check.lastChange, postgres: report.postgres };
  backend.setHealthy(report.server, report.up);
  backend.refreshPrimaryGuard();
}

export async function startGateway(input: GatewayConfig | unknown, options: GatewayOptions = {}): Promise<Gateway> {
  let config = validateGatewayConfig(input);
  const log = options.log ?? defaultLog;
  const accessLog = (options.accessLog ?? config.accessLog) ? createLogger('gateway.access') : undefined;
  const proxy = createHttpProxy();
  const topology = new PostgresTopology();

  /** Backends for `next`: reused when their config and mode are unchanged, else new and checked once before use. */
  async function buildBackends(next: GatewayConfig, previous?: BackendSet): Promise<BackendSet> {
    const built: BackendSet = { backends: new Map(), checks: new Map() };
    const fresh: BackendHealth[] = [];
    const modes = backendModes(next);
    for (const b of next.backends) {
      const mode = modes.get(b.name);
      if (!mode) continue;
      const old = previous?.backends.get(b.name);
      if (old && old.mode === mode && sameConfig(old.config, b)) {
        built.backends.set(b.name, old);
        const check = previous!.checks.get(b.name);
        if (check) built.checks.set(b.name, check);
        continue;
      }
      const runtime = new BackendRuntime(b, mode);
      if (old) carryState(old, runtime);
      built.backends.set(b.name, runtime);
      if (b.check && options.activeChecks !== false) {
        const health = new BackendHealth(runtime, b.check, { log, topology, onChange: options.onHealthChange });
        built.checks.set(b.name, health);
        fresh.push(health);
      }
    }
    if (!previous) for (const report of options.initialHealth ?? []) applyReport(built.backends, report);
    // Primary checks first, so the replicas' first lag measurement has a primary to compare with.
    const firstRound = (async () => {
      await Promise.all(fresh.filter((c) => c.checksPrimary).map((c) => c.start()));
      await Promise.all(fresh.filter((c) => !c.checksPrimary).map((c) => c.start()));
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([firstRound, new Promise((resolve) => (timer = setTimeout(resolve, options.firstCheckTimeoutMs ?? 10_000)))]);
    clearTimeout(timer);
    return built;
  }

  let set = await buildBackends(config);
  const lookup = (name: string) => set.backends.get(name);
  const listeners = new Map<string, { listener: HttpListener; runtime: HttpFrontendRuntime }>();
  // The CDN edges of this process, by frontend, and the purge fan-out (gateway/edge/edges.ts).
  const edges = new EdgeRegistry();
  const bus = config.frontends.flatMap((f) => (f.mode === 'http' && f.edge?.enabled && f.edge.redis ? [f.edge.redis] : []))[0];
  if (bus) await edges.connectBus(bus.url, bus.prefix);
  const tcpFrontends = new Map<string, TcpFrontend>();

  const kindOf = (f: HttpFrontendConfig, c: GatewayConfig) => listenerKind(f, c.backends.find((b) => b.name === f.backend)?.engine);
  /** The frontend's edge: kept across a reload while its edge config is unchanged (its objects with it). */
  const edgeConfigs = new Map<string, string>();
  const attachEdge = (runtime: HttpFrontendRuntime) => {
    const f = runtime.config;
    const wanted = f.edge?.enabled ? JSON.stringify({ ...f.edge, backend: f.backend }) : undefined;
    if (wanted === undefined) {
      edges.set(f.name, undefined);
      edgeConfigs.delete(f.name);
      return;
    }
    let edge = edges.get(f.name);
    if (!edge || edgeConfigs.get(f.name) !== wanted) {
      edge = new Edge(f.edge!, edgeOrigin(() => lookup(f.backend)));
      edges.set(f.name, edge);
      edgeConfigs.set(f.name, wanted);
    }
    runtime.edge = edge;
  };
  const openHttp = async (f: HttpFrontendConfig, c: GatewayConfig) => {
    const runtime = new HttpFrontendRuntime(f, kindOf(f, c), proxy, lookup, accessLog);
    attachEdge(runtime);
    const listener = await listenHttp(runtime);
    listeners.set(f.name, { listener, runtime });
    log.info({ frontend: f.name, listen: f.listen, port: listener.port }, `http frontend ${f.name} listening on ${f.listen}`);
  };
  const openTcp = async (f: TcpFrontendConfig) => {
    const frontend = await startTcpFrontend(f, { backends: set.backends, accessLog: accessLog !== undefined });
    tcpFrontends.set(f.name, frontend);
    const at = `${frontend.address.host}:${frontend.address.port}`;
    log.info({ frontend: f.name, listen: at, port: frontend.address.port }, `tcp frontend ${f.name} listening on ${at}`);
  };
  const open = async (f: GatewayConfig['frontends'][number], c: GatewayConfig) => {
    if (f.mode === 'http') {
      if (options.listenHttp !== false) await openHttp(f, c);
    } else if (options.listenTcp !== false) await openTcp(f);
  };
  let admin: AdminServer | undefined;
  try {
    for (const f of config.frontends) await open(f, config);
  } catch (error) {
    for (const c of set.checks.values()) c.stop();
    await Promise.all([...listeners.values()].map((l) => l.listener.close(0)));
    await Promise.all([...tcpFrontends.values()].map((f) => f.close(0)));
    throw error;
  }

  const gateway: Gateway = {
    get config() {
      return config;
    },
    ports() {
      const out: Record<string, number> = {};
      for (const [name, l] of listeners) out[name] = l.listener.port;
      for (const [name, f] of tcpFrontends) out[name] = f.address.port;
      if (admin) out.admin = admin.port;
      return out;
    },
    backends: () => set.backends,
    async purge(request, purgeOptions) {
      const result = await edges.purge(request, purgeOptions);
      if (options.onPurge) {
        for (const [name, n] of Object.entries(await options.onPurge(request))) result.purged[name] = (result.purged[name] ?? 0) + n;
      }
      return result;
    },
    stats: (o) => gatewayStats([...listeners.values()].map((l) => l.runtime), [...tcpFrontends.values()], set.backends, o?.histograms === true, edges),
    setServer(backendName, serverName, change) {
      const backend = set.backends.get(backendName);
      if (!backend) throw new UnknownServerError(backendName);
      backend.update(serverName, change);
      options.onServerChange?.(backendName, serverName, change);
      log.info({ backend: backendName, server: serverName, ...change }, `server ${backendName}/${serverName} set to ${JSON.stringify(change)}`);
    },
    async reload(nextInput) {
      const next = validateGatewayConfig(nextInput);
      const previous = set;
      const nextSet = await buildBackends(next, previous);
      const retired = [...previous.backends.values()].filter((b) => nextSet.backends.get(b.name) !== b);
      set = nextSet;
      const wanted = new Map(next.frontends.map((f) => [f.name, f]));
      for (const [name, entry] of [...listeners]) {
        const f = wanted.get(name);
        // Same address, TLS and listener kind: the listener stays and takes the new runtime.
        if (f && f.mode === 'http' && f.listen === entry.runtime.config.listen && JSON.stringify(f.tls) === JSON.stringify(entry.runtime.config.tls) && kindOf(f, next) === entry.runtime.server) {
          const runtime = new HttpFrontendRuntime(f, entry.runtime.server, proxy, lookup, accessLog);
          attachEdge(runtime);
          runtime.stats.merge(entry.runtime.stats);
          entry.listener.use(runtime);
          listeners.set(name, { listener: entry.listener, runtime });
          wanted.delete(name);
        } else {
          listeners.delete(name);
          if (!f) edges.set(name, undefined); // a frontend gone: its edge and objects go too
          void entry.listener.close(config.grace);
        }
      }
      for (const [name, frontend] of [...tcpFrontends]) {
        const f = wanted.get(name);
        // Same address: new connections use the new config; open sessions go on where they are.
        if (f && f.mode === 'tcp' && f.listen === frontend.config.listen) {
          frontend.update(f, nextSet.backends);
          wanted.delete(name);
        } else {
          tcpFrontends.delete(name);
          void frontend.close(next.grace);
        }
      }
      for (const f of wanted.values()) await open(f, next);
      for (const [name, check] of previous.checks) if (nextSet.checks.get(name) !== check) check.stop();
      config = next;
      options.onReload?.(next);
      // Retired backends keep serving their in-flight requests and sessions, then let their sockets and queues go.
      setTimeout(() => retired.forEach((b) => b.close()), config.grace).unref();
      log.info({ rebuilt: retired.map((b) => b.name) }, 'configuration reloaded');
    },
    applyHealth(report) {
      applyReport(set.backends, report);
    },
    async stop(graceMs = config.grace) {
      await admin?.close();
      for (const c of set.checks.values()) c.stop();
      for (const l of listeners.values()) l.runtime.draining = true;
      await Promise.all([
        ...[...listeners.values()].map((l) => l.listener.close(graceMs)),
        ...[...tcpFrontends.values()].map((f) => f.close(graceMs)),
      ]);
      for (const b of set.backends.values()) b.close();
      proxy.close();
      await edges.close();
    },
  };
  if (config.admin && options.admin !== false) {
    const statsSource = options.statsSource;
    admin = await startAdmin(config.admin, {
      stats: statsSource ? () => statsSource(gateway.stats()) : () => gateway.stats(),
      setServer: (b, s, change) => gateway.setServer(b, s, change),
      reload: options.reloadSource ? async () => gateway.reload(await options.reloadSource!()) : undefined,
      mounts: options.adminMounts,
      purge: (request) => gateway.purge(request),
    });
    log.info({ listen: config.admin.listen, port: admin.port }, `admin listening on ${config.admin.listen}`);
  }
  return gateway;
}
