// A worker process's consumers: one BullMQ Worker per job definition, sharing one connection
// that reconnects forever. Start-up checks Redis (noeviction required, AOF warned about).
// close(grace) stops fetching, lets active jobs finish within the grace period, then hands the
// rest back to the queue so another worker starts them at once.
import { UnrecoverableError, Worker, type Job, type JobJson } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger } from '../../sdk/log/logger.js';
import type { Retention } from '../config.js';
import type { JobDefinition } from '../job/define.js';
import { keepJobs } from '../producer.js';
import { checkRedis } from '../redis/check.js';
import { workerConnection } from '../redis/connection.js';
import { queueMetrics } from '../telemetry.js';
import { jobProcessor, SHUTDOWN, UNREADABLE_PAYLOAD } from './processor.js';
import { RateCounter } from './rates.js';

const log = createLogger('queue');

/**
 * BullMQ's Worker, except that a job whose stored payload is not JSON becomes a job with a null
 * payload marked UNREADABLE_PAYLOAD (the processor fails it for good) instead of an error thrown
 * in the fetch loop, which would leave it active until the stalled checker gave up on it.
 */
class TieredWorker extends Worker {
  protected override createJob(data: JobJson, jobId: string): Job {
    try {
      return super.createJob(data, jobId);
    } catch (error) {
      const job = super.createJob({ ...data, data: 'null' }, jobId);
      const raw = typeof data.data === 'string' ? data.data : String(data.data);
      (job as unknown as Record<symbol, string>)[UNREADABLE_PAYLOAD] =
        `${(error as Error)?.message ?? String(error)} (${raw.length} chars: ${JSON.stringify(raw.slice(0, 80))})`;
      log.warn({ job: this.name, id: job.id }, 'job payload is not JSON: failing it as a dead letter');
      return job;
    }
  }
}

export interface WorkerGroupOptions {
  redis: string;
  prefix?: string;
  jobs: JobDefinition[];
  /** Overrides every job's own concurrency. */
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  completed?: Retention;
  deadLetters?: Retention;
  /** Skip the noeviction check (tests of the check itself). */
  skipRedisCheck?: boolean;
  /**
   * Per-minute completed/failed counts for the queue view's rates, in BullMQ's metrics keys. On by
   * default; counted in the process and written once per queue every few seconds (rates.ts), not
   * inside every job's Redis script as BullMQ's own `metrics` option does.
   */
  metrics?: boolean;
}

export interface CloseReport {
  /** Jobs still running when the grace period ended, put back in their queue. */
  handedBack: number;
}

export class WorkerGroup {
  readonly workers: Worker[];
  private readonly connection: Redis;
  private readonly rates: RateCounter | undefined;
  private handedBack = 0;

  private constructor(connection: Redis, workers: Worker[], rates: RateCounter | undefined) {
    this.connection = connection;
    this.workers = workers;
    this.rates = rates;
  }

  /** Waits for Redis (as long as it takes), checks it, then starts consuming. */
  static async start(options: WorkerGroupOptions): Promise<WorkerGroup> {
    if (options.jobs.length === 0) throw new TypeError('a worker needs at least one job definition');
    const connection = workerConnection(options.redis);
    connection.on('reconnecting', () => log.warn('redis connection lost; reconnecting'));
    connection.on('ready', () => log.info('redis connection ready'));
    if (!options.skipRedisCheck) {
      try {
        for (const warning of await checkRedis(connection)) log.warn(warning);
      } catch (error) {
        connection.disconnect();
        throw error;
      }
    }
    const rates = options.metrics === false ? undefined : new RateCounter({ redis: connection, prefix: options.prefix ?? 'tiered' });
    const group = new WorkerGroup(connection, [], rates);
    for (const def of options.jobs) group.workers.push(group.consumer(def, options));
    return group;
  }

  private consumer(def: JobDefinition, options: WorkerGroupOptions): Worker {
    const worker = new TieredWorker(def.name, jobProcessor(def, { onHandedBack: () => { this.handedBack += 1; } }), {
      connection: this.connection,
      prefix: options.prefix ?? 'tiered',
      concurrency: options.concurrency ?? def.concurrency,
      limiter: def.rateLimit,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 1,
      removeOnComplete: keepJobs(options.completed ?? { count: 1_000, age: 86_400_000 }),
      removeOnFail: keepJobs(options.deadLetters ?? { count: 10_000, age: 30 * 86_400_000 }),
    });
    const attributes = { job: def.name }; // one object for every job's data points
    const rates = this.rates;
    worker.on('completed', () => {
      queueMetrics().completed.add(1, attributes);
      rates?.add(def.name, 'completed');
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (!job) return;
      const dead = error instanceof UnrecoverableError || error?.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (dead) {
        queueMetrics().deadLetters.add(1, attributes);
        rates?.add(def.name, 'failed');
      } else {
        queueMetrics().retries.add(1, attributes);
      }
      log[dead ? 'error' : 'warn']({ job: def.name, id: job.id, attempt: job.attemptsMade, err: error?.message }, dead ? 'job failed for good (dead letter)' : 'job attempt failed; will retry');
    });
    worker.on('stalled', (id: string) => log.warn({ job: def.name, id }, 'stalled job moved back to wait'));
    worker.on('error', (error: Error) => log.debug({ job: def.name, err: error.message }, 'worker error'));
    return worker;
  }

  /** Graceful stop: no new jobs; active ones get `graceMs` to finish, then are handed back. */
  async close(graceMs = 30_000): Promise<CloseReport> {
    const drained = Promise.all(this.workers.map((w) => w.pause(false).catch(() => {}))).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), graceMs); });
    const finished = await Promise.race([drained, expired]);
    clearTimeout(timer);
    if (!finished) for (const w of this.workers) w.cancelAllJobs(SHUTDOWN);
    await Promise.all(this.workers.map((w) => w.close().catch(() => {})));
    if (this.rates) {
      // Last counts; not worth waiting for past a second when Redis is down.
      let flushTimer: NodeJS.Timeout | undefined;
      await Promise.race([this.rates.close(), new Promise((resolve) => { flushTimer = setTimeout(resolve, 1_000); })]);
      clearTimeout(flushTimer);
    }
    this.connection.disconnect();
    return { handedBack: this.handedBack };
  }
}
