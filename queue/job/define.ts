// Typed job definitions: a name, a zod schema for the payload, a handler and the retry policy.
// The definition is plain data plus a function, so the same module can be imported by the web
// app (to enqueue) and by `tiered worker` (to run the handler).
import type { Job } from 'bullmq';
import { z } from 'zod';
import { parseDuration } from '../../sdk/config/units.js';
import { JobDefinitionError } from '../errors.js';

const JOB = Symbol.for('tiered.queue.job');

/** What a handler gets besides the payload. */
export interface JobContext {
  /** The BullMQ job id (the idempotency key when one was given). */
  id: string;
  name: string;
  /** 1 for the first attempt. */
  attempt: number;
  attempts: number;
  /** Aborted when the job is cancelled, times out or the worker shuts down. */
  signal: AbortSignal;
  progress(value: number | object): Promise<void>;
  log(line: string): Promise<void>;
  /** The underlying BullMQ job, for anything not covered above. */
  job: Job;
}

export interface JobOptions<S extends z.ZodType, R> {
  /** Also the BullMQ queue name: letters, digits, `_`, `.` or `-`. */
  name: string;
  schema: S;
  handler: (payload: z.output<S>, context: JobContext) => R | Promise<R>;
  /** Total attempts including the first (default 3). */
  attempts?: number;
  /** Exponential backoff: `delay * 2^(attempt-1)`, with `jitter` (0..1) of it randomised (default 1s, 0.5). */
  backoff?: { delay: string | number; jitter?: number };
  /** Fails the attempt when the handler runs longer (the handler's signal is aborted). */
  timeout?: string | number;
  /** Default worker concurrency for this job (the CLI's --concurrency overrides it). */
  concurrency?: number;
  /** At most `max` jobs per `duration` across all workers of this job. */
  rateLimit?: { max: number; duration: string | number };
  /** Default priority: 1 is highest; none means FIFO before all prioritised jobs. */
  priority?: number;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly [JOB]: true;
  readonly name: string;
  readonly schema: S;
  readonly handler: (payload: z.output<S>, context: JobContext) => R | Promise<R>;
  readonly attempts: number;
  readonly backoff: { type: 'exponential'; delay: number; jitter: number };
  readonly timeoutMs?: number;
  readonly concurrency: number;
  readonly rateLimit?: { max: number; duration: number };
  readonly priority?: number;
}

export type PayloadOf<D> = D extends JobDefinition<infer S> ? z.input<S> : never;

const JOB_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function defineJob<S extends z.ZodType, R>(options: JobOptions<S, R>): JobDefinition<S, R> {
  const { name } = options;
  if (!JOB_NAME.test(name)) throw new JobDefinitionError(`job name ${JSON.stringify(name)}: expected 1-100 letters, digits, _ . or -`);
  if (typeof options.handler !== 'function') throw new JobDefinitionError(`job "${name}": handler must be a function`);
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1) throw new JobDefinitionError(`job "${name}": attempts must be an integer >= 1, got ${attempts}`);
  const jitter = options.backoff?.jitter ?? 0.5;
  if (!(jitter >= 0 && jitter <= 1)) throw new JobDefinitionError(`job "${name}": backoff.jitter must be between 0 and 1, got ${jitter}`);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new JobDefinitionError(`job "${name}": concurrency must be an integer >= 1, got ${concurrency}`);
  if (options.priority !== undefined && !(Number.isInteger(options.priority) && options.priority >= 1 && options.priority <= 2_097_152)) {
    throw new JobDefinitionError(`job "${name}": priority must be an integer from 1 (highest) to 2097152, got ${options.priority}`);
  }
  return Object.freeze({
    [JOB]: true as const,
    name,
    schema: options.schema,
    handler: options.handler,
    attempts,
    backoff: { type: 'exponential' as const, delay: parseDuration(options.backoff?.delay ?? 1_000), jitter },
    timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout),
    concurrency,
    rateLimit: options.rateLimit ? { max: options.rateLimit.max, duration: parseDuration(options.rateLimit.duration) } : undefined,
    priority: options.priority,
  });
}

export function isJobDefinition(value: unknown): value is JobDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JOB] === true;
}

/**
 * Backoff before retry number `attempt` (1 = first retry): exponential with jitter. BullMQ's
 * built-in `exponential` strategy computes the same; this pure copy documents and tests it.
 */
export function backoffDelay(backoff: { delay: number; jitter: number }, attempt: number, random: () => number = Math.random): number {
  const full = backoff.delay * 2 ** Math.max(0, attempt - 1);
  const low = full * (1 - backoff.jitter);
  return Math.floor(low + random() * full * backoff.jitter);
}
