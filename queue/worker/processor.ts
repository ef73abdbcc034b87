// Wraps a job's handler into a BullMQ processor: re-validates the payload, links the job's span
// to the enqueuing request, enforces the job timeout, records wait/run metrics, and on shutdown
// hands the job back to the queue (moveToWait) instead of leaving it to the stalled checker.
//
// This runs once per job, so its common path (no timeout, no tracing SDK) makes no closures, no
// AbortController and no span: the handler gets BullMQ's own per-job signal, metric attributes
// are shared objects, and an async handler is raced against that signal through one listener
// function per processor. (Closures per job also cost a `__name` call each under tsx.)
import { UnrecoverableError, WaitingError, type Job, type Processor } from 'bullmq';
import type { Context, SpanOptions } from '@opentelemetry/api';
import { formatIssues } from '../../sdk/config/schema.js';
import { JobTimeoutError } from '../errors.js';
import type { JobContext, JobDefinition } from '../job/define.js';
import { contextFromMetadata, queueMetrics, runInSpan, SpanKind, startSpanIfTracing } from '../telemetry.js';

/**
 * Set on a job whose stored payload is not JSON (written to Redis by something else than a
 * Producer): the worker group builds the job with a null payload and this reason, and the
 * processor fails it for good (a dead letter with the raw bytes kept) instead of crashing.
 */
export const UNREADABLE_PAYLOAD = Symbol.for('tiered.queue.unreadable-payload');

/** What a handler threw, as an Error BullMQ can record (a thrown null, string or hostile object is wrapped). */
export function asError(thrown: unknown): Error {
  try {
    if (thrown instanceof Error && typeof thrown.message === 'string' && typeof thrown.name === 'string') {
      void thrown.stack; // a throwing stack getter would break BullMQ's moveToFailed
      return thrown;
    }
  } catch {}
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    try {
      text = String(thrown);
    } catch {
      text = Object.prototype.toString.call(thrown);
    }
  }
  return new Error(`job handler threw a non-Error value: ${text.slice(0, 500)}`);
}

/** The abort reason a worker group uses when the shutdown grace period runs out. */
export const SHUTDOWN = 'tiered:shutdown';

export interface ProcessorHooks {
  /** Called when a job was handed back to the queue at shutdown. */
  onHandedBack?: (job: Job) => void;
  now?: () => number;
}

/** Enqueue (or due) time → start, for the first attempt only (retries wait on purpose). */
export function waitTime(job: Pick<Job, 'timestamp' | 'opts' | 'attemptsMade'>, startedAt: number): number | undefined {
  if (job.attemptsMade > 0) return undefined;
  return Math.max(0, startedAt - (job.timestamp + (job.opts.delay ?? 0)));
}

/** What a handler gets besides the payload; `progress` and `log` are made on first use. */
class HandlerContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly attempts: number;
  readonly signal: AbortSignal;
  readonly job: Job;

  constructor(def: JobDefinition, job: Job, signal: AbortSignal) {
    this.id = job.id ?? '';
    this.name = def.name;
    this.attempt = job.attemptsMade + 1;
    this.attempts = def.attempts;
    this.signal = signal;
    this.job = job;
  }

  // Getters returning functions, so `const { progress } = ctx` keeps working.
  get progress(): JobContext['progress'] {
    const job = this.job;
    return (value) => job.updateProgress(value);
  }

  get log(): JobContext['log'] {
    const job = this.job;
    return async (line) => { await job.log(line); };
  }
}

const ignore = () => {};
let capturedReject: ((reason: unknown) => void) | undefined;
function captureReject(_resolve: unknown, reject: (reason: unknown) => void): void {
  capturedReject = reject;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

interface Plumbing {
  def: JobDefinition;
  hooks: ProcessorHooks;
  /** Running async handlers' signals → the rejection that abandons them. */
  pending: Map<AbortSignal, (reason: unknown) => void>;
  onAbort: (this: AbortSignal) => void;
}

export function jobProcessor(def: JobDefinition, hooks: ProcessorHooks = {}): Processor {
  const now = hooks.now ?? Date.now;
  const pending = new Map<AbortSignal, (reason: unknown) => void>();
  const plumbing: Plumbing = { def, hooks, pending, onAbort(this: AbortSignal) { pending.get(this)?.(this.reason); } };
  const jobAttributes = { job: def.name };
  const runAttributes: Record<string, { job: string; outcome: string }> = {
    completed: { job: def.name, outcome: 'completed' },
    failed: { job: def.name, outcome: 'failed' },
    handed_back: { job: def.name, outcome: 'handed_back' },
  };
  const spanName = `process ${def.name}`;
  const spanOptions: SpanOptions = { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'bullmq', 'messaging.operation.name': 'process', 'messaging.operation.type': 'process', 'messaging.destination.name': def.name } };
  return async (job, token, signal) => {
    const startedAt = now();
    const instruments = queueMetrics();
    const waited = waitTime(job, startedAt);
    if (waited !== undefined) instruments.wait.record(waited, jobAttributes);
    let outcome = 'completed';
    try {
      const parent: Context = contextFromMetadata(job.opts.telemetry?.metadata);
      const span = startSpanIfTracing(spanName, spanOptions, parent);
      if (!span) return await runHandler(plumbing, job, token, signal);
      span.setAttributes({ 'messaging.message.id': job.id ?? '', 'tiered.job.attempt': job.attemptsMade + 1 });
      return await runInSpan(span, parent, () => runHandler(plumbing, job, token, signal));
    } catch (error) {
      outcome = error instanceof WaitingError ? 'handed_back' : 'failed';
      throw outcome === 'failed' ? asError(error) : error;
    } finally {
      instruments.run.record(now() - startedAt, runAttributes[outcome]);
    }
  };
}

async function runHandler(plumbing: Plumbing, job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
  const { def } = plumbing;
  const unreadable = (job as unknown as Record<symbol, string | undefined>)[UNREADABLE_PAYLOAD];
  if (unreadable !== undefined) throw new UnrecoverableError(`payload of "${def.name}" is not JSON: ${unreadable}`);
  const parsed = def.schema.safeParse(job.data);
  if (!parsed.success) {
    // The payload was valid at enqueue; the schema has changed since. Retrying cannot help.
    throw new UnrecoverableError(`payload no longer matches the schema of "${def.name}": ${formatIssues(parsed.error, ['payload']).join('; ')}`);
  }
  if (def.timeoutMs !== undefined || !signal) return runWithOwnSignal(plumbing, job, token, signal, parsed.data);
  try {
    const result = def.handler(parsed.data, new HandlerContext(def, job, signal));
    if (!isThenable(result)) return result; // a synchronous handler has finished: nothing to abandon
    return await raceAbort(plumbing, signal, result);
  } catch (error) {
    return handBackOnShutdown(plumbing, job, token, signal, error);
  }
}

/** Settles with `result`, or rejects with the signal's reason once it is aborted (at once if the handler ignores it). */
async function raceAbort(plumbing: Plumbing, signal: AbortSignal, result: PromiseLike<unknown>): Promise<unknown> {
  if (signal.aborted) throw signal.reason;
  const aborted = new Promise<never>(captureReject);
  plumbing.pending.set(signal, capturedReject!);
  capturedReject = undefined;
  aborted.catch(ignore);
  signal.addEventListener('abort', plumbing.onAbort);
  try {
    const value = await Promise.race([result, aborted]);
    if (signal.aborted) throw signal.reason;
    return value;
  } catch (error) {
    // A handler that settles in reaction to the abort (its own listener ran before ours) still
    // ends as aborted: timed out, or handed back at shutdown.
    throw signal.aborted ? signal.reason : error;
  } finally {
    signal.removeEventListener('abort', plumbing.onAbort);
    plumbing.pending.delete(signal);
  }
}

async function handBackOnShutdown(plumbing: Plumbing, job: Job, token: string | undefined, signal: AbortSignal, error: unknown): Promise<never> {
  if (signal.aborted && signal.reason === SHUTDOWN) {
    await job.moveToWait(token);
    plumbing.hooks.onHandedBack?.(job);
    throw new WaitingError();
  }
  throw error;
}

/** Jobs with a timeout (or run without BullMQ's signal): a signal of their own, aborted by either. */
async function runWithOwnSignal(plumbing: Plumbing, job: Job, token: string | undefined, outer: AbortSignal | undefined, payload: unknown): Promise<unknown> {
  const { def } = plumbing;
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = def.timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new JobTimeoutError(def.name, def.timeoutMs!)), def.timeoutMs);
  try {
    const result = def.handler(payload, new HandlerContext(def, job, controller.signal));
    if (!isThenable(result)) return result;
    return await raceAbort(plumbing, controller.signal, result);
  } catch (error) {
    return handBackOnShutdown(plumbing, job, token, controller.signal, error);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
