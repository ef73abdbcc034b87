// Producers: validate the payload against the job's schema, then add it to the job's BullMQ
// queue (one queue per job name). Idempotency keys become BullMQ job ids, so a second enqueue
// with the same key returns the first job while it is kept (see `completed`/`deadLetters`
// retention). With Redis down an enqueue rejects with RedisUnavailableError at once, or after
// `enqueueTimeout` at worst: BullMQ's Queue would otherwise wait for the connection forever.
import { once } from 'node:events';
import { Queue, type JobsOptions, type KeepJobs } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseDuration } from '../sdk/config/units.js';
import { formatIssues } from '../sdk/config/schema.js';
import { InvalidPayloadError, QueueError, RedisUnavailableError } from './errors.js';
import type { JobDefinition, PayloadOf } from './job/define.js';
import { jobIdForKey, jobRef, parseJobRef } from './job/refs.js';
import { jobView, publicStatus, readJobView, type JobView } from './job/status.js';
import { producerConnection } from './redis/connection.js';
import { inSpan, queueMetrics, SpanKind, traceMetadata } from './telemetry.js';
import { context } from '@opentelemetry/api';
import type { Retention } from './config.js';

export interface ProducerOptions {
  /** `redis://…` URL, or an ioredis client you own (it is not closed by close()). */
  redis: string | Redis;
  prefix?: string;
  /** Longest an enqueue may take before it fails with RedisUnavailableError (default 2 s). */
  enqueueTimeout?: string | number;
  /** Completed jobs kept (and so idempotency keys remembered): default 1000 / 1 day. */
  completed?: Retention;
  /** Failed jobs kept as dead letters: default 10000 / 30 days. */
  deadLetters?: Retention;
}

export interface EnqueueOptions {
  /** Same key, same job: a repeated enqueue returns the existing job instead of adding one. */
  idempotencyKey?: string;
  delay?: string | number;
  /** 1 is highest; overrides the job's default priority. */
  priority?: number;
}

export interface Enqueued {
  /** The BullMQ job id. */
  id: string;
  /** `<job name>:<id>`: what the status endpoint takes. */
  ref: string;
  job: string;
}

/** BullMQ keeps `age` in seconds. */
export function keepJobs(retention: Retention | undefined): KeepJobs | undefined {
  if (!retention) return undefined;
  if (retention.age !== undefined) return { age: Math.ceil(retention.age / 1000), count: retention.count };
  return retention.count === undefined ? undefined : { count: retention.count };
}

export class Producer {
  readonly redis: Redis;
  readonly prefix: string;
  private readonly ownsRedis: boolean;
  private readonly timeoutMs: number;
  private readonly removeOnComplete: JobsOptions['removeOnComplete'];
  private readonly removeOnFail: JobsOptions['removeOnFail'];
  private readonly queues = new Map<string, Queue>();
  private everReady = false;

  constructor(options: ProducerOptions) {
    this.ownsRedis = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? producerConnection(options.redis) : options.redis;
    this.redis.on('ready', () => { this.everReady = true; });
    if (this.redis.status === 'ready') this.everReady = true;
    this.prefix = options.prefix ?? 'tiered';
    this.timeoutMs = parseDuration(options.enqueueTimeout ?? 2_000);
    this.removeOnComplete = keepJobs(options.completed ?? { count: 1_000, age: 86_400_000 });
    this.removeOnFail = keepJobs(options.deadLetters ?? { count: 10_000, age: 30 * 86_400_000 });
  }

  /** The BullMQ queue of one job name (created on first use). */
  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis, prefix: this.prefix });
      queue.on('error', () => {}); // connection errors surface per call
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Validates the payload, then enqueues; nothing is enqueued when either step fails. */
  async enqueue<D extends JobDefinition>(job: D, payload: PayloadOf<D>, options: EnqueueOptions = {}): Promise<Enqueued> {
    const parsed = job.schema.safeParse(payload);
    if (!parsed.success) {
      queueMetrics().rejected.add(1, { job: job.name, reason: 'invalid_payload' });
      throw new InvalidPayloadError(job.name, formatIssues(parsed.error, ['payload']));
    }
    const opts = this.jobOptions(job, options);
    return inSpan(`send ${job.name}`, SpanKind.PRODUCER, context.active(), { 'messaging.system': 'bullmq', 'messaging.operation.name': 'send', 'messaging.operation.type': 'send', 'messaging.destination.name': job.name }, async () => {
      const metadata = traceMetadata();
      if (metadata) opts.telemetry = { metadata };
      const added = await this.guarded(`enqueue ${job.name}`, () => this.queue(job.name).add(job.name, parsed.data, opts));
      queueMetrics().enqueued.add(1, { job: job.name });
      return { id: added.id!, ref: jobRef(job.name, added.id!), job: job.name };
    });
  }

  /** Validates every payload first (all or nothing), then adds them in one round trip. */
  async enqueueMany<D extends JobDefinition>(job: D, payloads: PayloadOf<D>[], options: Omit<EnqueueOptions, 'idempotencyKey'> = {}): Promise<Enqueued[]> {
    const data = payloads.map((payload, index) => {
      const parsed = job.schema.safeParse(payload);
      if (!parsed.success) throw new InvalidPayloadError(job.name, formatIssues(parsed.error, ['payloads', index]));
      return parsed.data;
    });
    const opts = this.jobOptions(job, options);
    const metadata = traceMetadata();
    if (metadata) opts.telemetry = { metadata };
    const added = await this.guarded(`enqueue ${payloads.length} × ${job.name}`, () => this.queue(job.name).addBulk(data.map((d) => ({ name: job.name, data: d, opts }))));
    queueMetrics().enqueued.add(added.length, { job: job.name });
    return added.map((a) => ({ id: a.id!, ref: jobRef(job.name, a.id!), job: job.name }));
  }

  /** Status of `<job name>:<id>`; undefined when no such job is kept. */
  async status(ref: string): Promise<JobView | undefined> {
    const parts = parseJobRef(ref);
    if (!parts) return undefined;
    return this.guarded(`status of ${ref}`, async () => {
      let found;
      try {
        found = await this.queue(parts.name).getJob(parts.id);
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        return readJobView(this.queue(parts.name), this.redis, parts.id); // payload not JSON: from the raw hash
      }
      if (!found) return undefined;
      const status = publicStatus(await found.getState());
      // The job may have finished between the two reads: its result is in the hash by now.
      if ((status === 'completed' || status === 'failed') && !found.finishedOn) found = (await this.queue(parts.name).getJob(parts.id)) ?? found;
      return status ? jobView(found, status) : undefined;
    });
  }

  private jobOptions(job: JobDefinition, options: EnqueueOptions): JobsOptions {
    return {
      attempts: job.attempts,
      backoff: job.backoff,
      priority: options.priority ?? job.priority,
      delay: options.delay === undefined ? undefined : parseDuration(options.delay),
      jobId: options.idempotencyKey === undefined ? undefined : jobIdForKey(options.idempotencyKey),
      removeOnComplete: this.removeOnComplete,
      removeOnFail: this.removeOnFail,
    };
  }

  /** Runs one Redis operation with the fail-fast rules above. */
  async guarded<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready' && (this.everReady || this.redis.status === 'end' || this.redis.status === 'close')) {
      queueMetrics().rejected.add(1, { reason: 'redis_down' });
      throw new RedisUnavailableError(`Redis is unavailable (connection ${this.redis.status}): ${what} not done`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError(`Redis did not answer within ${this.timeoutMs} ms (connection ${this.redis.status}): ${what} may not be done`)), this.timeoutMs);
    });
    try {
      // First connection still being made: wait for it, within the same time limit.
      if (this.redis.status !== 'ready') await Promise.race([once(this.redis, 'ready'), timeout]);
      return await Promise.race([operation(), timeout]);
    } catch (error) {
      if (error instanceof QueueError || this.redis.status === 'ready') throw error;
      queueMetrics().rejected.add(1, { reason: 'redis_down' });
      throw new RedisUnavailableError(`Redis is unavailable (${(error as Error).message}): ${what} not done`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const closing = [...this.queues.values()].map((q) => Promise.race([q.close().catch(() => {}), new Promise((r) => setTimeout(r, 1_000))]));
    await Promise.all(closing);
    this.queues.clear();
    if (this.ownsRedis) this.redis.disconnect();
  }
}
