// The TCP side of the gateway, start-up order in one place: parse the config, build the
// backends, run the first round of health checks (so the first connection already sees each
// server's role), then open the frontends. The HTTP gateway embeds it in the same process and
// reads `stats()` / calls `setServer()` for its admin API.
import { formatIssues } from '../../sdk/config/schema.js';
import { ConfigError } from '../../sdk/errors.js';
import { createLogger, type Logger } from '../../sdk/log/logger.js';
import type { Rng } from '../../sdk/random.js';
import { TcpBackendRuntime } from './backend-runtime.js';
import { tcpGatewaySchema, type TcpGatewayInput } from './config.js';
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
  backends: ReadonlyMap<string, TcpBackendRuntime>;
  stats(): TcpGatewayStats;
  /** Runtime API: `{ state: 'drain' | 'maint' | 'ready', weight }` for one server; false when unknown. */
  setServer(backend: string, server: string, change: { state?: AdminState; weight?: number }): boolean;
  /** Stops accepting and checking; open sessions get `graceMs` to finish. */
  stop(graceMs?: number): Promise<void>;
}

export async function startTcpGateway(input: TcpGatewayInput | unknown, options: TcpGatewayOptions = {}): Promise<TcpGateway> {
  const parsed = tcpGatewaySchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error));
  const config = parsed.data;
  const log = options.log ?? createLogger('gateway.tcp');
  const topology = new PostgresTopology();

  const backends = new Map(config.backends.map((b) => [b.name, new TcpBackendRuntime(b, options.rng)]));
  const checkers = [...backends.values()].map((b) => new TcpHealthChecker(b, topology, log));
  // Primary checks first, so the replicas' first lag measurement has a primary to compare with.
  const firstRound = (async () => {
    await Promise.all(checkers.filter((c) => c.checksPrimary).map((c) => c.start()));
    await Promise.all(checkers.filter((c) => !c.checksPrimary).map((c) => c.start()));
  })();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([firstRound, new Promise((resolve) => (timer = setTimeout(resolve, options.firstCheckTimeoutMs ?? 10_000)))]);
  clearTimeout(timer);

  const frontends = new Map<string, TcpFrontend>();
  try {
    for (const f of config.frontends) frontends.set(f.name, await startTcpFrontend(f, { backends, accessLog: options.accessLog }));
  } catch (error) {
    for (const checker of checkers) checker.stop();
    await Promise.all([...frontends.values()].map((f) => f.close()));
    throw error;
  }
  for (const f of frontends.values()) log.info({ frontend: f.name, listen: `${f.address.host}:${f.address.port}` }, `tcp frontend ${f.name} listening on ${f.address.host}:${f.address.port}`);

  return {
    frontends,
    backends,
    stats: () => ({
      frontends: [...frontends.values()].map((f) => f.stats()),
      backends: [...backends.values()].map(backendStats),
    }),
    setServer(backendName, serverName, change) {
      const backend = backends.get(backendName);
      const server = backend?.server(serverName);
      if (!backend || !server) return false;
      backend.update(server, change);
      log.info({ backend: backendName, server: serverName, ...change }, `server ${backendName}/${serverName} set to ${JSON.stringify(change)}`);
      return true;
    },
    async stop(graceMs = 0) {
      for (const checker of checkers) checker.stop();
      await Promise.all([...frontends.values()].map((f) => f.close(graceMs)));
      for (const backend of backends.values()) backend.close();
    },
  };
}
