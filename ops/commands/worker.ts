// `tiered worker --jobs a,b [--concurrency N] [--module ./jobs.ts] [--cron]`: a worker process
// consuming the named jobs (all jobs of the modules when --jobs is left out). Job modules come
// from --module (repeatable) or `queue.jobs` in tiered.yaml. SIGTERM/SIGINT stop it gracefully:
// no new jobs, active ones get --grace to finish, the rest are handed back to the queue.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../../sdk/config/units.js';
import { createLogger } from '../../sdk/log/logger.js';
import { queueConfigSchema, type QueueConfig } from '../../queue/config.js';
import { loadJobModules, selectJobs, type JobModules } from '../../queue/modules.js';
import { JobDefinitionError, RedisPolicyError, ScheduleError } from '../../queue/errors.js';
import type { Scheduler, WorkerGroup } from '../../queue/index.js';
import { loadConfigFile } from '../config/load.js';
import { startTelemetry } from '../telemetry.js';
import { UsageError } from '../errors.js';

export interface QueueFlags {
  config?: string;
  redis?: string;
  prefix?: string;
  module?: string[];
}

/** The `queue:` section of tiered.yaml (defaults when the file is absent and not asked for), with flags on top. */
export function queueSettings(flags: QueueFlags): QueueConfig {
  const path = flags.config ?? 'tiered.yaml';
  const fromFile = flags.config || existsSync(path) ? loadConfigFile(path).queue : undefined;
  // Module paths in the file are relative to the file.
  const base = fromFile ? { ...fromFile, jobs: fromFile.jobs.map((j) => resolve(dirname(path), j)) } : queueConfigSchema.parse({});
  return {
    ...base,
    redis: flags.redis ?? base.redis,
    prefix: flags.prefix ?? base.prefix,
    jobs: flags.module?.length ? flags.module : base.jobs,
  };
}

export async function loadModules(settings: QueueConfig): Promise<JobModules> {
  if (settings.jobs.length === 0) throw new UsageError('no job modules: pass --module <path> or list them under queue.jobs in tiered.yaml');
  return asUsage(() => loadJobModules(settings.jobs));
}

/** A bad module path or job name is the user's input: exit 2 with one line. */
async function asUsage<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof JobDefinitionError || error instanceof ScheduleError) throw new UsageError(error.message);
    throw error;
  }
}

export function addQueueFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'tiered.yaml with a queue: section (default: ./tiered.yaml when present)')
    .option('--redis <url>', 'Redis URL (overrides queue.redis)')
    .option('--prefix <prefix>', 'BullMQ key prefix (overrides queue.prefix)')
    .option('-m, --module <path>', 'job module exporting defineJob()/defineSchedule() values (repeatable; overrides queue.jobs)', (v: string, all: string[] = []) => [...all, v]);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency: expected an integer >= 1, got ${JSON.stringify(value)}`);
  return n;
}

export function registerWorkerCommand(program: Command): void {
  addQueueFlags(program.command('worker').description('run a worker process for the given jobs (BullMQ consumers)'))
    .option('-j, --jobs <names>', 'comma-separated job names (default: every job in the modules)')
    .option('--concurrency <n>', 'jobs run at once per job name (default: each job\'s own, or queue.worker.concurrency)')
    .option('--grace <duration>', 'on SIGTERM, how long active jobs may finish before being handed back (default queue.worker.shutdownGrace)')
    .option('--cron', 'also run the modules\' schedules in this process')
    .option('--depth-metrics', 'report tiered.queue.depth per queue and state (enable in one process per deployment)')
    .action(async (opts: QueueFlags & { jobs?: string; concurrency?: string; grace?: string; cron?: boolean; depthMetrics?: boolean }) => {
      // BullMQ and ioredis load here, not with the CLI: every other command starts without them.
      const { Producer, registerQueueDepthMetric, Scheduler, WorkerGroup } = await import('../../queue/index.js');
      const log = createLogger('queue');
      const settings = queueSettings(opts);
      const modules = await loadModules(settings);
      const names = opts.jobs ? opts.jobs.split(',').map((s) => s.trim()).filter(Boolean) : [...modules.jobs.keys()];
      if (names.length === 0) throw new UsageError('no jobs to run: the modules define none');
      const jobs = await asUsage(() => selectJobs(modules, names));
      const graceMs = opts.grace ? parseDuration(opts.grace) : settings.worker.shutdownGrace;
      // OpenTelemetry SDK (telemetry: section or OTEL_* variables); the queue's instruments
      // follow the global meter provider. Several workers on one box: use OTLP, not one Prometheus port.
      const configFile = opts.config ?? (existsSync('tiered.yaml') ? 'tiered.yaml' : undefined);
      const telemetry = await startTelemetry(configFile ? (loadConfigFile(configFile).telemetry ?? {}) : {});
      let group: WorkerGroup;
      try {
        group = await WorkerGroup.start({
          redis: settings.redis,
          prefix: settings.prefix,
          jobs,
          concurrency: opts.concurrency ? positiveInt(opts.concurrency) : undefined,
          lockDuration: settings.worker.lockDuration,
          stalledInterval: settings.worker.stalledInterval,
          maxStalledCount: settings.worker.maxStalledCount,
          metrics: settings.worker.metrics,
          completed: settings.completed,
          deadLetters: settings.deadLetters,
        });
      } catch (error) {
        if (!(error instanceof RedisPolicyError)) throw error;
        process.stderr.write(`tiered: ${error.message} [${error.code}]\n`);
        process.exitCode = 1;
        await telemetry.shutdown().catch(() => {});
        return;
      }
      const observer = opts.depthMetrics ? new Producer({ redis: settings.redis, prefix: settings.prefix }) : undefined;
      if (observer) registerQueueDepthMetric(observer);
      let scheduler: Scheduler | undefined;
      if (opts.cron) {
        scheduler = new Scheduler({ redis: settings.redis, prefix: settings.prefix });
        for (const def of modules.schedules.values()) scheduler.add(def);
      }
      // A job module's stray promise or timer callback (outside any handler's own call) must not
      // take the worker and every other job with it: logged and counted, the worker goes on.
      let stray = 0;
      process.on('unhandledRejection', (reason) => {
        stray += 1;
        log.error({ err: reason, stray }, 'unhandled rejection (job module?): logged, worker goes on');
      });
      process.on('uncaughtException', (error) => {
        stray += 1;
        log.error({ err: error, stray }, 'uncaught exception (job module?): logged, worker goes on');
      });
      log.info({ jobs: names, pid: process.pid }, 'worker started');
      process.stdout.write(`worker ${process.pid} ready: ${names.join(', ')}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info({ signal, graceMs }, 'worker stopping');
          void (async () => {
            await scheduler?.stop();
            await observer?.close();
            await telemetry.shutdown().catch(() => {});
            const report = await group.close(graceMs);
            log.info(report, 'worker stopped');
            resolve();
            // Job modules may hold their own clients open; a stopped worker exits regardless.
            setImmediate(() => process.exit(process.exitCode ?? 0));
          })();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
