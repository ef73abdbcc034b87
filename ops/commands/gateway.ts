// `tiered gateway`: the load balancer. Quick mode from flags, or `-c tiered.yaml` (the
// `gateway:` section). SIGHUP / POST /reload re-read the file; SIGTERM drains and exits 0.
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { runGateway, type GatewaySource } from '../../gateway/process.js';
import { quickConfig } from '../../gateway/quick-config.js';
import { validateGatewayConfig } from '../../gateway/gateway.js';
import { GatewayConfigError } from '../../gateway/errors.js';
import { loadConfigFile } from '../config/load.js';
import { startTelemetry } from '../telemetry.js';
import type { TelemetryConfig } from '../telemetry-config.js';
import { UsageError } from '../errors.js';

interface GatewayFlags {
  config?: string;
  listen: string;
  backend: string[];
  health?: string;
  balance?: string;
  admin?: string;
  workers?: string;
  accessLog: boolean;
  supervisor: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The `telemetry:` section of the config file (config mode), for the OpenTelemetry SDK. */
function telemetryOf(file: string | undefined): Partial<TelemetryConfig> {
  return file ? (loadConfigFile(file).telemetry ?? {}) : {};
}

/** --no-supervisor: one plain process (no restarts), which serves one worker's share. */
function noSupervisor(config: { supervisor: boolean; workers: number }): void {
  if (config.workers > 1) throw new UsageError(`--no-supervisor runs one process: drop --workers ${config.workers} (or workers: in the file)`);
  config.supervisor = false;
}

export function gatewaySource(flags: GatewayFlags): GatewaySource & { file?: string } {
  const workers = flags.workers === undefined ? undefined : Number(flags.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) throw new UsageError(`--workers: expected a whole number ≥ 1, got "${flags.workers}"`);
  if (flags.config !== undefined || (flags.backend.length === 0 && existsSync('tiered.yaml'))) {
    if (flags.backend.length > 0) throw new UsageError('give either -c <file> or --backend flags, not both');
    const file = flags.config ?? 'tiered.yaml';
    const load = () => {
      const gateway = loadConfigFile(file).gateway;
      if (!gateway || gateway.frontends.length === 0) throw new UsageError(`${file}: no gateway.frontends to serve`);
      const config = validateGatewayConfig(gateway);
      if (workers !== undefined) config.workers = workers;
      if (!flags.accessLog) config.accessLog = false;
      if (!flags.supervisor) noSupervisor(config);
      return config;
    };
    load(); // fail fast (exit 2) on a bad file
    return { load, reloadable: true, file };
  }
  try {
    const config = validateGatewayConfig(quickConfig({
      listen: flags.listen, backends: flags.backend, health: flags.health, balance: flags.balance,
      admin: flags.admin, workers, accessLog: flags.accessLog,
    }));
    if (flags.supervisor === false) noSupervisor(config);
    return { load: () => config, reloadable: false };
  } catch (error) {
    if (error instanceof GatewayConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('run the HTTP/TCP load balancer (quick mode: --listen and --backend; or -c tiered.yaml)')
    .option('-c, --config <file>', 'config file with a gateway: section')
    .option('--listen <host:port>', 'quick mode: address to listen on', '127.0.0.1:8080')
    .option('--backend <url>', 'quick mode: a backend server, e.g. http://127.0.0.1:3001 (repeat for more)', collect, [])
    .option('--health <path>', 'quick mode: HTTP health check path, e.g. /healthz')
    .option('--balance <algorithm>', 'quick mode: p2c-ewma (default), roundrobin, leastconn, random, hash, first')
    .option('--admin <host:port>', 'admin port: /stats, /stats.json, /metrics, runtime API (e.g. 127.0.0.1:8404)')
    .option('--workers <n>', 'worker processes (node:cluster); health state is shared')
    .option('--no-access-log', 'do not write the JSON access log')
    .option('--no-supervisor', 'one plain process: no supervising primary restarting a worker that dies')
    .action(async (flags: GatewayFlags) => {
      // Failures (a port in use, a missing certificate file) end in ops/cli.ts: one line, exit 1.
      const source = gatewaySource(flags);
      // The SDK runs in the single process or the cluster primary (OTEL_* variables or the
      // telemetry: section); workers' request counters reach /metrics through the primary.
      if (cluster.isPrimary) await startTelemetry(telemetryOf(source.file));
      // With a queue: section, the admin port also serves the queue view at /queues.
      const queue = source.file && cluster.isPrimary ? loadConfigFile(source.file).queue : undefined;
      // (imported only then: BullMQ and ioredis are no weight for a gateway without a queue)
      if (queue) source.adminMounts = [(await import('../queue-view.js')).queueViewMount(queue.redis, queue.prefix).mount];
      await runGateway(source);
      await new Promise<void>(() => {}); // runs until a signal stops the process
    });
}
