// The gateway process, start-up order in one place: validate the config, build the HTTP-mode
// backends, run the first round of active checks, open the HTTP frontends, start the TCP side
// (gateway/tcp) for `mode: tcp` frontends, then the admin port. `reload(config)` swaps HTTP
// frontends and backends with no failed request; `stop(grace)` drains.
import { formatIssues } from '../sdk/config/schema.js';
import { ConfigError } from '../sdk/errors.js';
import { createLogger } from '../sdk/log/logger.js';
import type { AdminState } from '../sdk/balance/eligible.js';
import { startTcpGateway, type TcpGateway } from './tcp/index.js';
import { BackendRuntime } from './backend/backend.js';
import { gatewayConfigSchema, type BackendConfig, type GatewayConfig, type HttpFrontendConfig, type TcpFrontendConfig } from './config.js';
import { ActiveHealthChecker, type HealthListener } from './health/checker.js';
import { HttpFrontendRuntime } from './frontend/frontend-runtime.js';
import { createHttpProxy, sendWithHttpProxy3 } from './upstream/proxy3-attempt.js';
import { sendWithNativeParser } from './upstream/native-attempt.js';
import { sendWithUndici } from './upstream/undici-attempt.js';
import { registerEngine } from './upstream/engines.js';

// The upstream engines, registered once: the exchange finds them by name (upstream/engines.ts).
registerEngine('native', sendWithNativeParser);
registerEngine('undici', sendWithUndici);
registerEngine('http-proxy-3', sendWithHttpProxy3);
import { listenerKind, listenHttp, type HttpListener } from './frontend/listener.js';
import { startAdmin, type AdminMount, type AdminServer } from './admin/server.js';
import { UnknownServerError } from './errors.js';
import { gatewayStats, type GatewayStats } from './admin/stats-model.js';

export interface GatewayOptions {
  /** Start the admin port (when configured). Workers of a cluster leave it to the primary. */
  admin?: boolean;
  /** Run active checks here (false in cluster workers: the primary checks and broadcasts). */
  activeChecks?: boolean;
  /** Called on every active-check up/down change. */
  onHealthChange?: HealthListener;
  /** Reload hook of the admin API (`POST /reload`): re-reads the config source. */
  reloadSource?: () => Promise<GatewayConfig> | GatewayConfig;
  /** Access log override (tests). */
  accessLog?: boolean;
  /** Open the HTTP frontends (false in a cluster primary: it only checks, workers listen). */
  listenHttp?: boolean;
  /** Open the TCP frontends (false in a cluster primary: workers serve them, runtime-API changes are passed on). */
  listenTcp?: boolean;
  /** Stats as the admin port shows them (a cluster primary adds its workers' counters). */
  statsSource?: (own: GatewayStats) => Promise<GatewayStats> | GatewayStats;
  /** Called after a runtime-API change was applied here (a cluster primary mirrors it). */
  onServerChange?: (backend: string, server: string, change: { state?: AdminState; weight?: number }) => void;
  /** Called after a reload was applied here. */
  onReload?: (config: GatewayConfig) => void;
  /** Extra pages on the admin port behind its token (ops/ mounts the queue view at /queues). */
  adminMounts?: AdminMount[];
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
  /** An up/down state decided elsewhere (cluster primary). */
  applyHealth(backend: string, server: string, up: boolean): void;
  stop(graceMs?: number): Promise<void>;
}

const log = createLogger('gateway');

export function validateGatewayConfig(input: unknown): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, ['gateway']));
  return parsed.data;
}

function isHttp(f: GatewayConfig['frontends'][number]): f is HttpFrontendConfig {
  return f.mode === 'http';
}

/** The TCP part of the config, in the shape gateway/tcp validates on its own. */
function tcpPart(config: GatewayConfig): { frontends: TcpFrontendConfig[]; backends: unknown[] } | undefined {
  const frontends = config.frontends.filter((f): f is TcpFrontendConfig => f.mode === 'tcp');
  if (frontends.length === 0) return undefined;
  const used = new Set(frontends.map((f) => f.backend));
  for (const b of config.backends) if (used.has(b.name) && b.fallback) used.add(b.fallback);
  const backends = config.backends.filter((b) => used.has(b.name)).map((b) => ({
    name: b.name, balance: b.balance, check: b.check, servers: b.servers, fallback: b.fallback,
    onMarkedDown: b.onMarkedDown, maxQueue: b.maxQueue, queueTimeout: b.queueTimeout,
  }));
  return { frontends: frontends.map(({ mode: _mode, ...rest }) => ({ ...rest, mode: 'tcp' as const })), backends };
}

interface HttpSide {
  backends: Map<string, BackendRuntime>;
  checkers: Map<string, ActiveHealthChecker>;
}

async function buildHttpSide(config: GatewayConfig, options: GatewayOptions, previous?: HttpSide): Promise<HttpSide> {
  const used = new Set(config.frontends.filter(isHttp).map((f) => f.backend));
  const backends = new Map<string, BackendRuntime>();
  const checkers = new Map<string, ActiveHealthChecker>();
  const starting: Promise<void>[] = [];
  for (const b of config.backends) {
    if (!used.has(b.name)) continue;
    const old = previous?.backends.get(b.name);
    if (old && sameConfig(old.config, b)) {
      backends.set(b.name, old);
      const checker = previous!.checkers.get(b.name);
      if (checker) checkers.set(b.name, checker);
      continue;
    }
    const runtime = new BackendRuntime(b, 'http');
    if (old) carryState(old, runtime);
    backends.set(b.name, runtime);
    if (b.check && b.check.type !== 'postgres' && options.activeChecks !== false) {
      const checker = new ActiveHealthChecker(runtime, b.check, log, options.onHealthChange);
      checkers.set(b.name, checker);
      starting.push(checker.start());
    }
  }
  await Promise.all(starting);
  for (const [name, checker] of previous?.checkers ?? []) if (checkers.get(name) !== checker) checker.stop();
  return { backends, checkers };
}

/** A reloaded backend keeps what it knew of servers that stayed (same name and address): up/down and admin state. */
function carryState(from: BackendRuntime, to: BackendRuntime): void {
  for (const server of to.servers.values()) {
    const before = from.servers.get(server.name);
    if (!before || before.config.address !== server.config.address) continue;
    to.pool.setHealthy(server.name, before.pool.checkUp);
    if (before.pool.admin !== 'ready') to.pool.update(server.name, { admin: before.pool.admin });
    Object.assign(server.check, before.check);
  }
}

function sameConfig(a: BackendConfig, b: BackendConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function startGateway(input: GatewayConfig | unknown, options: GatewayOptions = {}): Promise<Gateway> {
  let config = validateGatewayConfig(input);
  const accessLog = (options.accessLog ?? config.accessLog) ? createLogger('gateway.access') : undefined;
  const proxy = createHttpProxy();
  let side = await buildHttpSide(config, options);
  const lookup = (name: string) => side.backends.get(name);
  const listeners = new Map<string, { listener: HttpListener; runtime: HttpFrontendRuntime }>();

  const kindOf = (f: HttpFrontendConfig, c: GatewayConfig) => listenerKind(f, c.backends.find((b) => b.name === f.backend)?.engine);
  const openFrontend = async (f: HttpFrontendConfig, c: GatewayConfig) => {
    const runtime = new HttpFrontendRuntime(f, kindOf(f, c), proxy, lookup, accessLog);
    const listener = await listenHttp(runtime);
    listeners.set(f.name, { listener, runtime });
    log.info({ frontend: f.name, listen: f.listen, port: listener.port }, `http frontend ${f.name} listening on ${f.listen}`);
  };
  let tcp: TcpGateway | undefined;
  let admin: AdminServer | undefined;
  try {
    if (options.listenHttp !== false) for (const f of config.frontends) if (isHttp(f)) await openFrontend(f, config);
    const tcpConfig = tcpPart(config);
    if (tcpConfig && options.listenTcp !== false) tcp = await startTcpGateway(tcpConfig, { accessLog: accessLog !== undefined });
  } catch (error) {
    for (const c of side.checkers.values()) c.stop();
    await Promise.all([...listeners.values()].map((l) => l.listener.close(0)));
    await tcp?.stop(0);
    throw error;
  }

  const gateway: Gateway = {
    get config() {
      return config;
    },
    ports() {
      const out: Record<string, number> = {};
      for (const [name, l] of listeners) out[name] = l.listener.port;
      if (tcp) for (const [name, f] of tcp.frontends) out[name] = f.address.port;
      if (admin) out.admin = admin.port;
      return out;
    },
    backends: () => side.backends,
    stats: (o) => gatewayStats([...listeners.values()].map((l) => l.runtime), side.backends, tcp, o?.histograms === true),
    setServer(backendName, serverName, change) {
      const backend = side.backends.get(backendName);
      if (backend) {
        backend.update(serverName, change);
        options.onServerChange?.(backendName, serverName, change);
        log.info({ backend: backendName, server: serverName, ...change }, `server ${backendName}/${serverName} set to ${JSON.stringify(change)}`);
        return;
      }
      if (tcp?.setServer(backendName, serverName, change)) return;
      if (options.listenTcp === false) {
        // A supervising primary: the TCP runtimes live in the workers; pass the change on to them.
        const known = tcpPart(config)?.backends.find((b) => (b as { name: string }).name === backendName) as { servers: { name: string }[] } | undefined;
        if (known?.servers.some((s) => s.name === serverName)) {
          options.onServerChange?.(backendName, serverName, change);
          log.info({ backend: backendName, server: serverName, ...change }, `server ${backendName}/${serverName} set to ${JSON.stringify(change)}`);
          return;
        }
        throw new UnknownServerError(backendName, known ? serverName : undefined);
      }
      const tcpBackend = tcp?.backends.get(backendName);
      throw new UnknownServerError(backendName, tcpBackend ? serverName : undefined);
    },
    async reload(nextInput) {
      const next = validateGatewayConfig(nextInput);
      const nextSide = await buildHttpSide(next, options, side);
      const retired = [...side.backends.values()].filter((b) => nextSide.backends.get(b.name) !== b);
      side = nextSide;
      const wanted = new Map(next.frontends.filter(isHttp).map((f) => [f.name, f]));
      for (const [name, entry] of [...listeners]) {
        const f = wanted.get(name);
        // Same address, TLS and listener kind: the listener stays and takes the new runtime.
        if (f && f.listen === entry.runtime.config.listen && JSON.stringify(f.tls) === JSON.stringify(entry.runtime.config.tls) && kindOf(f, next) === entry.runtime.server) {
          const runtime = new HttpFrontendRuntime(f, entry.runtime.server, proxy, lookup, accessLog);
          runtime.stats.merge(entry.runtime.stats);
          entry.listener.use(runtime);
          listeners.set(name, { listener: entry.listener, runtime });
          wanted.delete(name);
        } else {
          listeners.delete(name);
          void entry.listener.close(config.grace);
        }
      }
      if (options.listenHttp !== false) for (const f of wanted.values()) await openFrontend(f, next);
      const nextTcp = tcpPart(next);
      if (options.listenTcp !== false && JSON.stringify(nextTcp) !== JSON.stringify(tcpPart(config))) {
        // TCP side (gateway/tcp): unchanged backends kept, open sessions go on, new ones use the new config.
        if (tcp && nextTcp) await tcp.reload(nextTcp, next.grace);
        else if (nextTcp) tcp = await startTcpGateway(nextTcp, { accessLog: accessLog !== undefined });
        else if (tcp) {
          void tcp.stop(next.grace);
          tcp = undefined;
        }
      }
      config = next;
      options.onReload?.(next);
      // Retired backends keep serving their in-flight requests, then let their sockets go.
      setTimeout(() => retired.forEach((b) => b.close()), config.grace).unref();
      log.info('configuration reloaded');
    },
    applyHealth(backendName, serverName, up) {
      const backend = side.backends.get(backendName);
      const server = backend?.servers.get(serverName);
      if (!backend || !server) return;
      server.check.status = up ? 'L7OK' : 'L7STS';
      server.check.lastChange = Date.now();
      backend.pool.setHealthy(serverName, up);
    },
    async stop(graceMs = config.grace) {
      await admin?.close();
      for (const c of side.checkers.values()) c.stop();
      for (const l of listeners.values()) l.runtime.draining = true;
      await Promise.all([
        ...[...listeners.values()].map((l) => l.listener.close(graceMs)),
        tcp?.stop(graceMs),
      ]);
      for (const b of side.backends.values()) b.close();
      proxy.close();
    },
  };

  if (config.admin && options.admin !== false) {
    const statsSource = options.statsSource;
    admin = await startAdmin(config.admin, {
      stats: statsSource ? () => statsSource(gateway.stats()) : () => gateway.stats(),
      setServer: (b, s, change) => gateway.setServer(b, s, change),
      reload: options.reloadSource ? async () => gateway.reload(await options.reloadSource!()) : undefined,
      mounts: options.adminMounts,
    });
    log.info({ listen: config.admin.listen, port: admin.port }, `admin listening on ${config.admin.listen}`);
  }
  return gateway;
}
