// The gateway as a process: signals (SIGHUP reloads, SIGTERM/SIGINT drain and exit 0) and
// `workers > 1` with node:cluster. In a cluster the primary runs the active health checks, the
// TCP frontends and the admin port; workers serve the HTTP frontends (sharing the listening
// sockets) and take every health change, runtime-API change and reload from the primary, so
// all workers agree on which servers are up.
import type { AdminMount } from './admin/server.js';
import cluster, { type Worker } from 'node:cluster';
import { createLogger } from '../sdk/log/logger.js';
import type { GatewayConfig } from './config.js';
import { startGateway, validateGatewayConfig, type Gateway } from './gateway.js';
import { mergeStats } from './admin/merge-stats.js';
import type { GatewayStats } from './admin/stats-model.js';

export interface GatewaySource {
  /** Reads (or re-reads) the config. */
  load(): GatewayConfig | Promise<GatewayConfig>;
  /** Whether load() can see changes (config file) or not (quick mode). */
  reloadable: boolean;
  /** Extra pages on the admin port (the queue view), served by the single process or the primary. */
  adminMounts?: AdminMount[];
}

type ToWorker =
  | { t: 'config'; config: unknown }
  | { t: 'health'; backend: string; server: string; up: boolean }
  | { t: 'server'; backend: string; server: string; change: { state?: 'ready' | 'drain' | 'maint'; weight?: number } }
  | { t: 'stats'; id: number }
  | { t: 'stop'; grace: number };
type ToPrimary = { t: 'ready' } | { t: 'stats'; id: number; stats: GatewayStats };

const log = createLogger('gateway');

/** HTTP frontends only (workers): TCP frontends stay in the primary. */
function workerConfig(config: GatewayConfig): GatewayConfig {
  return { ...config, frontends: config.frontends.filter((f) => f.mode === 'http') };
}

function onSignals(reload: () => Promise<void>, stop: () => Promise<void>): void {
  process.on('SIGHUP', () => {
    reload().catch((error: unknown) => log.error({ err: error }, `reload failed, keeping the running config: ${error instanceof Error ? error.message : String(error)}`));
  });
  let stopping = false;
  const onStop = () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping: draining in-flight requests');
    stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
}

export async function runGateway(source: GatewaySource): Promise<Gateway | undefined> {
  if (cluster.isWorker) return runWorker();
  const config = await source.load();
  if (config.workers > 1) {
    await runPrimary(source, config);
    return undefined;
  }
  const gateway = await startGateway(config, { reloadSource: source.reloadable ? () => source.load() : undefined, adminMounts: source.adminMounts });
  onSignals(async () => {
    if (!source.reloadable) return log.warn('SIGHUP ignored: quick mode has no config file to reload');
    await gateway.reload(await source.load());
  }, () => gateway.stop());
  return gateway;
}

async function runPrimary(source: GatewaySource, initial: GatewayConfig): Promise<void> {
  let config = initial;
  const workers = new Set<Worker>();
  const pending = new Map<number, { left: number; stats: GatewayStats[]; resolve: (s: GatewayStats[]) => void }>();
  let nextId = 1;
  let stopping = false;
  const broadcast = (message: ToWorker) => {
    for (const w of workers) if (w.isConnected()) w.send(message);
  };
  // Checks, TCP and admin live here; the admin API's changes are mirrored to every worker.
  const gateway = await startGateway(config, {
    listenHttp: false,
    adminMounts: source.adminMounts,
    onHealthChange: (backend, server, up) => broadcast({ t: 'health', backend, server, up }),
    reloadSource: source.reloadable ? () => source.load() : undefined,
    statsSource: async (own) => {
      const id = nextId++;
      const live = [...workers].filter((w) => w.isConnected());
      const collected = await new Promise<GatewayStats[]>((resolve) => {
        if (live.length === 0) return resolve([]);
        pending.set(id, { left: live.length, stats: [], resolve });
        for (const w of live) w.send({ t: 'stats', id } satisfies ToWorker);
        setTimeout(() => {
          const p = pending.get(id);
          if (p) {
            pending.delete(id);
            resolve(p.stats);
          }
        }, 2000).unref();
      });
      return mergeStats(own, collected);
    },
    onServerChange: (backend, server, change) => broadcast({ t: 'server', backend, server, change }),
    onReload: (next) => {
      config = next;
      broadcast({ t: 'config', config: workerConfig(next) });
    },
  });
  const fork = () => {
    const worker = cluster.fork({ TIERED_GATEWAY_WORKER: '1' });
    workers.add(worker);
    worker.on('message', (message: ToPrimary) => {
      if (message.t === 'ready') {
        for (const b of gateway.backends().values()) {
          for (const s of b.servers.values()) worker.send({ t: 'health', backend: b.name, server: s.name, up: s.pool.checkUp } satisfies ToWorker);
          for (const s of b.servers.values()) worker.send({ t: 'server', backend: b.name, server: s.name, change: { state: s.pool.admin, weight: s.pool.configuredWeight } } satisfies ToWorker);
        }
      } else if (message.t === 'stats') {
        const p = pending.get(message.id);
        if (!p) return;
        p.stats.push(message.stats);
        if (--p.left === 0) {
          pending.delete(message.id);
          p.resolve(p.stats);
        }
      }
    });
    worker.send({ t: 'config', config: workerConfig(config) } satisfies ToWorker);
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (!stopping) {
        log.error({ code, signal }, 'gateway worker died; starting another');
        fork();
      }
    });
  };
  for (let i = 0; i < config.workers; i++) fork();
  onSignals(async () => {
    if (!source.reloadable) return log.warn('SIGHUP ignored: quick mode has no config file to reload');
    await gateway.reload(await source.load());
  }, async () => {
    stopping = true;
    const exits = [...workers].map((w) => new Promise<void>((resolve) => {
      w.once('exit', () => resolve());
      w.send({ t: 'stop', grace: config.grace } satisfies ToWorker);
    }));
    await Promise.all([gateway.stop(), ...exits]);
  });
}

async function runWorker(): Promise<Gateway | undefined> {
  let gateway: Gateway | undefined;
  const early: ToWorker[] = [];
  const handle = async (message: ToWorker) => {
    if (message.t === 'config') {
      const config = validateGatewayConfig(message.config);
      if (gateway) await gateway.reload(config);
      else {
        gateway = await startGateway(config, { admin: false, activeChecks: false });
        process.send!({ t: 'ready' } satisfies ToPrimary);
        for (const m of early.splice(0)) await handle(m);
      }
      return;
    }
    if (!gateway) {
      early.push(message);
      return;
    }
    if (message.t === 'health') gateway.applyHealth(message.backend, message.server, message.up);
    else if (message.t === 'server') {
      const current = gateway.backends().get(message.backend)?.servers.get(message.server)?.pool;
      const { state, weight } = message.change;
      if (current && (state ?? current.admin) === current.admin && (weight ?? current.configuredWeight) === current.configuredWeight) return;
      try {
        gateway.setServer(message.backend, message.server, message.change);
      } catch {}
    } else if (message.t === 'stats') process.send!({ t: 'stats', id: message.id, stats: gateway.stats() } satisfies ToPrimary);
    else if (message.t === 'stop') {
      await gateway.stop(message.grace);
      process.exit(0);
    }
  };
  process.on('message', (message: ToWorker) => {
    handle(message).catch((error: unknown) => log.error({ err: error }, 'worker failed to apply a message from the primary'));
  });
  // The primary owns signals: a worker ignores SIGINT/SIGHUP sent to the whole process group
  // (Ctrl-C, a terminal hang-up). A SIGTERM to the group (systemd, Kubernetes) drains it too.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.once('SIGTERM', () => {
    void (gateway?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  });
  return undefined;
}
