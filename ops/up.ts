// `tiered up` (what `npm start` runs): the whole local system in one command. Start-up order:
//   1. the local stack of real servers (Redis, memcached, PostgreSQL primary + replica), in .tiered/
//   2. telemetry (when enabled in tiered.yaml or through OTEL_* variables)
//   3. the services registered in `services` (the gateway and friends, as they arrive)
// It stays in the foreground; Ctrl-C or SIGTERM stops everything in reverse order (data kept).
import { existsSync } from 'node:fs';
import { loadConfigFile } from './config/load.js';
import type { TieredConfig } from './config/schema.js';
import { stackDown, stackUp, summarize, type StackSummary } from './stack/stack.js';
import { stackStatus } from './stack/status.js';
import { startTelemetry } from './telemetry.js';
import { createLogger } from '../sdk/log/logger.js';

/** up() was stopped by its signal before everything had started (all of it was stopped again). */
export class StartAbortedError extends Error {
  constructor() {
    super('stopped while starting');
  }
}

export interface RunningService {
  name: string;
  /** Lines for the summary printed once everything is up. */
  describe(): string[];
  stop(): Promise<void>;
}

/** A service `tiered up` starts after the stack, given the config and the stack's addresses. */
export type ServiceStarter = (config: TieredConfig, stack: StackSummary) => Promise<RunningService | undefined>;

export interface UpOptions {
  configFile?: string;
  services?: ServiceStarter[];
  out?: (line: string) => void;
  /** Aborted (Ctrl-C while starting): the start stops after the current step, undoing what started. */
  signal?: AbortSignal;
}

export async function up(options: UpOptions = {}): Promise<{ stop: () => Promise<void> }> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = createLogger('up');
  const file = options.configFile ?? 'tiered.yaml';
  const config: TieredConfig = existsSync(file) ? loadConfigFile(file) : {};
  const stackConfig = config.stack;

  out(`[1/3] starting the local stack in ${stackConfig?.dir ?? '.tiered'}`);
  const state = await stackUp({
    dir: stackConfig?.dir,
    redis: { port: stackConfig?.redis.port },
    memcached: { count: stackConfig?.memcached.count ?? 1, port: stackConfig?.memcached.port, memoryMb: stackConfig?.memcached.memoryMb },
    postgres: stackConfig?.postgres.enabled === false ? false : {
      port: stackConfig?.postgres.port, replicaPort: stackConfig?.postgres.replicaPort, replica: stackConfig?.postgres.replica,
    },
    onProgress: (m) => out(`      ${m}`),
  });
  const stack = summarize(state);

  out('[2/3] telemetry');
  const telemetry = await startTelemetry(config.telemetry);
  out(telemetry.prometheusUrl ? `      metrics at ${telemetry.prometheusUrl}` : '      off (enable with telemetry.enabled: true, or OTEL_* variables)');

  out('[3/3] services');
  const running: RunningService[] = [];
  try {
    for (const start of options.services ?? []) {
      if (options.signal?.aborted) throw new StartAbortedError();
      const service = await start(config, stack);
      if (service) running.push(service);
    }
  } catch (error) {
    // A service that cannot start: stop what did, and the stack, so no process is left behind.
    out(error instanceof StartAbortedError ? 'stopping (signal while starting)' : `a service failed to start: ${(error as Error).message}; stopping`);
    for (const service of [...running].reverse()) await service.stop().catch(() => {});
    await telemetry.shutdown().catch(() => {});
    await stackDown(state.dir).catch(() => {});
    throw error;
  }

  out('');
  for (const row of await stackStatus(state)) {
    out(`  ${row.name.padEnd(12)} ${row.up ? 'up  ' : 'DOWN'} 127.0.0.1:${String(row.port).padEnd(6)} ${row.role ?? ''}${row.lagBytes != null ? ` lag ${row.lagBytes} B` : ''}`);
  }
  for (const service of running) for (const line of service.describe()) out(`  ${line}`);
  out('');
  out('Tiered is up. Ctrl-C stops it (data is kept in the stack folder).');

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    for (const service of [...running].reverse()) await service.stop().catch((error) => log.error({ err: error, service: service.name }, 'stop failed'));
    await telemetry.shutdown().catch(() => {});
    await stackDown(state.dir);
  })());
  return { stop };
}
