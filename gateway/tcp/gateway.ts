// The TCP side of the gateway, start-up order in one place: parse the config, build the
// backends, run the first round of health checks (so the first connection already sees each
// server's role), then open the frontends. The HTTP gateway embeds it in the same process and
// reads `stats()` / calls `setServer()` for its admin API.
import { formatIssues } from '../../sdk/config/schema.js';
import { ConfigError } from '../../sdk/errors.js';
import { createLogger, type Logger } from '../../sdk/log/logger.js';
import type { Rng } from '../../sdk/random.js';
import { TcpBackendRuntime } from './backend-runtime.js';
import { tcpGatewaySchema, type TcpFrontendConfig, type TcpGatewayConfig, type TcpGatewayInput } from './config.js';
import { startTcpFrontend, type TcpFrontend } from './frontend.js';
import { TcpHealthChecker } from './health-checker.js';
import { PostgresTopology } from './postgres-topology.js';
import type { AdminState } from './server-runtime.js';
import { backendStats, type TcpBackendStats } from './stats.js';
import type { TcpFrontendStats } from './frontend.js';

export interface TcpGatewayOptions {
  log?: Logger;
  rng?: Rng;
  /** Longest wait for the first round of health checks before the ports open (default 10 s). */
  firstCheckTimeoutMs?: number;
  /** One access-log line per session (default true). */
  accessLog?: boolean;
}

export interface TcpGatewayStats {
  frontends: TcpFrontendStats[];
  backends: TcpBackendStats[];
}

export interface TcpGateway {
  frontends: ReadonlyMap<string, TcpFrontend>;
  /** The backends in force (replaced on reload). */
  readonly backends: ReadonlyMap<string, TcpBackendRuntime>;
  stats(): TcpGatewayStats;
  /** Runtime API: `{ state: 'drain' | 'maint' | 'ready', weight }` for one server; false when unknown. */
  setServer(backend: string, server: string, change: { state?: AdminState; weight?: number }): boolean;
  /**
   * Applies a changed TCP config: unchanged backends keep their runtime (health, admin state,
   * counters); changed ones are rebuilt and checked once before use; frontends on the same
   * address keep their listener and send new connections by the new config. Open sessions go
   * on where they are; a removed frontend stops accepting and its sessions get `graceMs`.
   */
  reload(input: TcpGatewayInput | unknown, graceMs?: number): Promise<void>;
  /** Stops accepting and checking; open sessions get `graceMs` to finish. */
  stop(graceMs?: number): Promise<void>;
}

interface BackendSet {
  backends: Map<string, TcpBackendRuntime>;
  checkers: Map<string, TcpHealthChecker>;
}

function parseConfig(input: unknown): TcpGatewayConfig {
  const parsed = tcpGatewaySchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error));
  return parsed.data;
}

export async function startTcpGateway(input: TcpGatewayInput | unknown, options: TcpGatewayOptions = {}): Promise<TcpGateway> {
  const config = parseConfig(input);
  const log = options.log ?? createLogger('gateway.tcp');
  const topology = new PostgresTopology();

  /** Backends for `next`: reused when their config is unchanged, else new and checked once. */
  async function buildBackends(next: TcpGatewayConfig, previous?: BackendSet): Promise<BackendSet> {
    const built: BackendSet = { backends: new Map(), checkers: new Map() };
    const fresh: TcpHealthChecker[] = [];
    for (const b of next.backends) {
      const old = previous?.backends.get(b.name);
      if (old && JSON.stringify(old.config) === JSON.stringify(b)) {
        built.backends.set(b.name, old);
        built.checkers.set(b.name, previous!.checkers.get(b.name)!);
        continue;
      }
      const runtime = new TcpBackendRuntime(b, options.rng);
      const checker = new TcpHealthChecker(runtime, topology, log);
      built.backends.set(b.name, runtime);
      built.checkers.set(b.name, checker);
      fresh.push(checker);
    }
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
  const frontends = new Map<string, TcpFrontend>();
  const open = async (f: TcpFrontendConfig) => {
    const frontend = await startTcpFrontend(f, { backends: set.backends, accessLog: options.accessLog });
    frontends.set(f.name, frontend);
    log.info({ frontend: f.name, listen: `${frontend.address.host}:${frontend.address.port}`, port: frontend.address.port }, `tcp frontend ${f.name} listening on ${frontend.address.host}:${frontend.address.port}`);
  };
  try {
    for (const f of config.frontends) await open(f);
  } catch (error) {
    for (const checker of set.checkers.values()) checker.stop();
    await Promise.all([...frontends.values()].map((f) => f.close()));
    throw error;
  }

  return {
    frontends,
    get backends() {
      return set.backends;
    },
    stats: () => ({
      frontends: [...frontends.values()].map((f) => f.stats()),
      backends: [...set.backends.values()].map(backendStats),
    }),
    setServer(backendName, serverName, change) {
      const backend = set.backends.get(backendName);
      const server = backend?.server(serverName);
      if (!backend || !server) return false;
      backend.update(server, change);
      log.info({ backend: backendName, server: serverName, ...change }, `server ${backendName}/${serverName} set to ${JSON.stringify(change)}`);
      return true;
    },
    async reload(nextInput, graceMs = 0) {
      const next = parseConfig(nextInput);
      const previous = set;
      const nextSet = await buildBackends(next, previous);
      set = nextSet;
      const wanted = new Map(next.frontends.map((f) => [f.name, f]));
      for (const [name, frontend] of [...frontends]) {
        const f = wanted.get(name);
        if (f && f.listen === frontend.config.listen) {
          frontend.update(f, nextSet.backends);
          wanted.delete(name);
        } else {
          frontends.delete(name);
          void frontend.close(graceMs);
        }
      }
      for (const f of wanted.values()) await open(f);
      for (const [name, checker] of previous.checkers) if (nextSet.checkers.get(name) !== checker) checker.stop();
      // Retired backends keep the sessions they have; their queues are closed after the grace.
      const retired = [...previous.backends.values()].filter((b) => nextSet.backends.get(b.name) !== b);
      if (retired.length > 0) setTimeout(() => retired.forEach((b) => b.close()), graceMs).unref();
      log.info({ frontends: [...frontends.keys()], backends: [...nextSet.backends.keys()], rebuilt: retired.map((b) => b.name) }, 'tcp configuration reloaded');
    },
    async stop(graceMs = 0) {
      for (const checker of set.checkers.values()) checker.stop();
      await Promise.all([...frontends.values()].map((f) => f.close(graceMs)));
      for (const backend of set.backends.values()) backend.close();
    },
  };
}
