// The gateway as a process: signals (SIGHUP reloads, SIGTERM/SIGINT drain and exit 0) and, by
// default, HAProxy's master-worker model on node:cluster. The supervising primary never touches a
// client connection: it opens the listening sockets and hands them to the workers (SCHED_NONE:
// each worker accepts on the shared socket itself; while one worker restarts, the others take
// every new connection; node:cluster closes a socket no worker holds any more),
// runs every active health check (HTTP and TCP) and the admin port, and restarts a worker that dies (at once,
// with back-off when it keeps dying), logging the death and the worker's stack; `/stats` shows the
// restarts per worker. Workers serve every frontend, HTTP and TCP, and take every health change,
// runtime-API change and reload from the primary, so all workers agree on which servers are up.
// `supervisor: false` (or --no-supervisor) runs one plain process instead.
import type { AdminMount } from './admin/server.js';
import cluster, { type Worker } from 'node:cluster';
import { createLogger } from '../sdk/log/logger.js';
import { nextQuickDeaths, restartDelay } from '../sdk/restart-delay.js';
import type { GatewayConfig } from './config.js';
import type { CheckReport } from './health/checker.js';
import { startGateway, validateGatewayConfig, type Gateway } from './gateway.js';
import { mergeStats } from './admin/merge-stats.js';
import type { GatewayStats, WorkerStats } from './admin/stats-model.js';
import { TieredError } from '../sdk/errors.js';
import type { PurgeRequest } from './edge/purge-body.js';

export interface GatewaySource {
  /** Reads (or re-reads) the config. */
  load(): GatewayConfig | Promise<GatewayConfig>;
  /** Whether load() can see changes (config file) or not (quick mode). */
  reloadable: boolean;
  /** Extra pages on the admin port (the queue view), served by the single process or the primary. */
  adminMounts?: AdminMount[];
}

type ToWorker =
  | { t: 'config'; config: unknown; health?: CheckReport[] }
  | { t: 'health'; report: CheckReport }
  | { t: 'server'; backend: string; server: string; change: { state?: 'ready' | 'drain' | 'maint'; weight?: number } }
  | { t: 'stats'; id: number }
  | { t: 'purge'; id: number; request: PurgeRequest }
  | { t: 'stop'; grace: number };
type ToPrimary =
  | { t: 'ready' }
  | { t: 'stats'; id: number; stats: GatewayStats }
  | { t: 'purged'; id: number; purged: Record<string, number> }
  | { t: 'fatal'; error: string }
  /** The worker could not start its gateway (a port taken, a certificate missing): it exits 1. */
  | { t: 'failed'; error: { code?: string; message: string } };


const log = createLogger('gateway');


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
  if (config.supervisor) {
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
  // Each worker accepts on the shared listening socket itself: the primary never handles a client
  // connection (the default round-robin would have it accept every one and pass it on).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const slots: WorkerSlot[] = [];
  const pending = new Map<number, { left: number; stats: GatewayStats[]; resolve: (s: GatewayStats[]) => void }>();
  const purges = new Map<number, { left: number; total: Record<string, number>; resolve: (total: Record<string, number>) => void }>();
  let nextId = 1;
  let stopping = false;
  const live = () => slots.flatMap((slot) => (slot.worker?.isConnected() ? [slot.worker] : []));
  const broadcast = (message: ToWorker) => {
    for (const w of live()) w.send(message);
  };
  // Checks and admin live here; the admin API's changes are mirrored to every worker.
  const gateway: Gateway = await startGateway(config, {
    listenHttp: false,
    listenTcp: false,
    adminMounts: source.adminMounts,
    onHealthChange: (report) => broadcast({ t: 'health', report }),
    reloadSource: source.reloadable ? () => source.load() : undefined,
    statsSource: async (own) => {
      const id = nextId++;
      const workers = live();
      const collected = await new Promise<GatewayStats[]>((resolve) => {
        if (workers.length === 0) return resolve([]);
        pending.set(id, { left: workers.length, stats: [], resolve });
        for (const w of workers) w.send({ t: 'stats', id } satisfies ToWorker);
        setTimeout(() => {
          const p = pending.get(id);
          if (p) {
            pending.delete(id);
            resolve(p.stats);
          }
        }, 2000).unref();
      });
      return mergeStats(own, collected, slots.map(workerStats));
    },
    onServerChange: (backend, server, change) => {
      broadcast({ t: 'server', backend, server, change });
    },
    // The workers hold the edges: a purge on the admin port goes to each, and their counts come back.
    onPurge: (request) => new Promise<Record<string, number>>((resolve) => {
      const id = nextId++;
      const workers = live();
      const total: Record<string, number> = {};
      if (workers.length === 0) return resolve(total);
      purges.set(id, { left: workers.length, total, resolve });
      for (const w of workers) w.send({ t: 'purge', id, request } satisfies ToWorker);
      setTimeout(() => {
        if (purges.delete(id)) resolve(total);
      }, 2000).unref();
    }),
    onReload: (next) => {
      config = next;
      broadcast({ t: 'config', config: next }); // workers serve every frontend; the primary none
    },
  });
  // The first start of every worker: all ready, or the first failure (it ends the gateway with that
  // error, one line and exit 1, as a single process would). Later failures are restarted with back-off.
  let firstStart = true;
  let readyCount = 0;
  let settleFirst!: (error?: TieredError) => void;
  const firstStarted = new Promise<TieredError | undefined>((resolve) => (settleFirst = resolve));
  const fork = (slot: WorkerSlot) => {
    slot.timer = undefined;
    // (A gateway started from inside a node:test file inherits NODE_TEST_CONTEXT, with which a
    // forked worker never starts: the variable is for the test runner's own children only.)
    const worker = cluster.fork({ TIERED_GATEWAY_WORKER: '1', TIERED_GATEWAY_WORKER_SLOT: String(slot.index), NODE_TEST_CONTEXT: undefined });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.fatal = undefined;
    worker.on('message', (message: ToPrimary) => {
      if (message.t === 'failed') {
        const error = new TieredError(message.error.code ?? 'TIERED_ERR_GATEWAY_START', message.error.message);
        if (firstStart) settleFirst(error);
        else log.error({ worker: slot.index, err: error }, `gateway worker ${slot.index} could not start: ${error.message}`);
      } else if (message.t === 'ready') {
        slot.ready = true;
        slot.serving = true;
        if (firstStart && ++readyCount === slots.length) settleFirst();
        // Up to date with what changed while it started (its config message carried the state then).
        for (const report of healthReports(gateway)) worker.send({ t: 'health', report } satisfies ToWorker);
        for (const b of gateway.backends().values()) {
          for (const s of b.servers.values()) worker.send({ t: 'server', backend: b.name, server: s.name, change: { state: s.pool.admin, weight: s.pool.configuredWeight } } satisfies ToWorker);
        }
      } else if (message.t === 'purged') {
        const p = purges.get(message.id);
        if (p) {
          for (const [name, n] of Object.entries(message.purged)) p.total[name] = (p.total[name] ?? 0) + n;
          if (--p.left === 0) {
            purges.delete(message.id);
            p.resolve(p.total);
          }
        }
      } else if (message.t === 'fatal') {
        slot.fatal = message.error;
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
    // The checks' state goes with the config: the worker opens its ports knowing every server's state and role.
    worker.send({ t: 'config', config, health: healthReports(gateway) } satisfies ToWorker);
    worker.on('exit', (code, signal) => {
      if (slot.worker === worker) {
        slot.worker = undefined;
        slot.serving = false;
      }
      if (stopping) return;
      if (firstStart && !slot.ready) {
        settleFirst(new TieredError('TIERED_ERR_GATEWAY_START', `gateway worker ${slot.index} exited before it was ready (${signal ?? `exit ${code}`})${slot.fatal ? `: ${slot.fatal.split('\n')[0]}` : ''}`));
        return;
      }
      const lived = Date.now() - slot.startedAt;
      slot.quickDeaths = nextQuickDeaths(slot.quickDeaths, lived);
      slot.restarts++;
      slot.lastExit = { at: new Date().toISOString(), code, signal, error: slot.fatal?.split('\n')[0] };
      const delay = restartDelay(slot.quickDeaths);
      log.error({ worker: slot.index, pid: worker.process.pid, code, signal, lived_ms: lived, restarts: slot.restarts, stack: slot.fatal },
        `gateway worker ${slot.index} (pid ${worker.process.pid}) died (${signal ?? `exit ${code}`}); ${delay ? `restarting in ${delay} ms` : 'restarting now'}` +
        (slot.fatal ? `: ${slot.fatal}` : ''));
      slot.timer = setTimeout(() => fork(slot), delay);
    });
  };
  for (let i = 0; i < config.workers; i++) slots.push({ index: i, restarts: 0, quickDeaths: 0, startedAt: 0 });
  for (const slot of slots) fork(slot);
  const startError = await firstStarted;
  firstStart = false;
  if (startError) {
    stopping = true;
    for (const slot of slots) clearTimeout(slot.timer);
    for (const w of live()) w.process.kill('SIGKILL');
    await gateway.stop(0);
    throw startError;
  }
  onSignals(async () => {
    if (!source.reloadable) return log.warn('SIGHUP ignored: quick mode has no config file to reload');
    await gateway.reload(await source.load());
  }, async () => {
    stopping = true;
    for (const slot of slots) clearTimeout(slot.timer);
    const exits = live().map((w) => new Promise<void>((resolve) => {
      w.once('exit', () => resolve());
      w.send({ t: 'stop', grace: config.grace } satisfies ToWorker);
    }));
    await Promise.all([gateway.stop(), ...exits]);
  });
}

interface WorkerSlot {
  index: number;
  worker?: Worker;
  restarts: number;
  /** Deaths in a row that came soon after a start (the back-off grows with them). */
  quickDeaths: number;
  startedAt: number;
  /** Its worker said ready at least once. */
  ready?: boolean;
  /** The current worker has started its gateway (its frontends listen). */
  serving?: boolean;
  /** The stack the worker reported before it died (uncaught exception or unhandled rejection). */
  fatal?: string;
  lastExit?: { at: string; code: number | null; signal: string | null; error?: string };
  timer?: NodeJS.Timeout;
}

function workerStats(slot: WorkerSlot): WorkerStats {
  return {
    slot: slot.index,
    pid: slot.worker?.process.pid ?? null,
    up: (slot.serving ?? false) && (slot.worker?.isConnected() ?? false),
    startedAt: slot.startedAt ? new Date(slot.startedAt).toISOString() : null,
    restarts: slot.restarts,
    lastExit: slot.lastExit ?? null,
  };
}

/** What the primary's checks know of every server, as workers take it. */
function healthReports(gateway: Gateway): CheckReport[] {
  const reports: CheckReport[] = [];
  for (const b of gateway.backends().values()) {
    for (const s of b.servers.values()) {
      if (s.check.code === 'none') continue;
      reports.push({ backend: b.name, server: s.name, up: s.pool.checkUp, code: s.check.code, detail: s.check.detail, postgres: s.check.postgres });
    }
  }
  return reports;
}

async function runWorker(): Promise<Gateway | undefined> {
  let gateway: Gateway | undefined;
  const early: ToWorker[] = [];
  const handle = async (message: ToWorker) => {
    if (message.t === 'config') {
      const config = validateGatewayConfig(message.config);
      if (gateway) await gateway.reload(config);
      else {
        try {
          gateway = await startGateway(config, { admin: false, activeChecks: false, initialHealth: message.health });
        } catch (error) {
          const e = error as { code?: unknown; message?: unknown };
          const failed: ToPrimary = { t: 'failed', error: { code: typeof e.code === 'string' ? e.code : undefined, message: String(e.message ?? error) } };
          process.send!(failed, undefined, {}, () => process.exit(1));
          return;
        }
        process.send!({ t: 'ready' } satisfies ToPrimary);
        for (const m of early.splice(0)) await handle(m);
      }
      return;
    }
    if (!gateway) {
      if (message.t === 'stop') process.exit(0); // stopped before it served
      early.push(message);
      return;
    }
    if (message.t === 'health') gateway.applyHealth(message.report);
    else if (message.t === 'server') {
      const current = gateway.backends().get(message.backend)?.servers.get(message.server)?.pool;
      const { state, weight } = message.change;
      if (current && (state ?? current.admin) === current.admin && (weight ?? current.configuredWeight) === current.configuredWeight) return;
      try {
        gateway.setServer(message.backend, message.server, message.change);
      } catch {}
    } else if (message.t === 'stats') process.send!({ t: 'stats', id: message.id, stats: gateway.stats({ histograms: true }) } satisfies ToPrimary);
    else if (message.t === 'purge') {
      // The primary published it on the bus already (when there is one): applied here only.
      const result = await gateway.purge(message.request, { publish: false });
      process.send!({ t: 'purged', id: message.id, purged: result.purged } satisfies ToPrimary);
    }
    else if (message.t === 'stop') {
      await gateway.stop(message.grace);
      process.exit(0);
    }
  };
  process.on('message', (message: ToWorker) => {
    handle(message).catch((error: unknown) => log.error({ err: error }, 'worker failed to apply a message from the primary'));
  });
  // The last line of defence: a fault nobody caught is reported (with its stack) to the primary,
  // which logs it and starts another worker; this one exits, as Node advises after such a fault.
  const fatal = (kind: string) => (error: unknown) => {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log.fatal({ err: error }, `gateway worker failed (${kind}): ${error instanceof Error ? error.message : String(error)}`);
    const exit = () => process.exit(70);
    setTimeout(exit, 1000).unref();
    try {
      process.send!({ t: 'fatal', error: `${kind}: ${stack}` } satisfies ToPrimary, undefined, {}, exit);
    } catch {
      exit();
    }
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));
  // The primary owns signals: a worker ignores SIGINT/SIGHUP sent to the whole process group
  // (Ctrl-C, a terminal hang-up). A SIGTERM to the group (systemd, Kubernetes) drains it too.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.once('SIGTERM', () => {
    void (gateway?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  });
  return undefined;
}
