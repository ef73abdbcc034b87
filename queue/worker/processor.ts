// Wraps a job's handler into a BullMQ processor: re-validates the payload, links the job's span
// to the enqueuing request, enforces the job timeout, records wait/run metrics, and on shutdown
// hands the job back to the queue (moveToWait) instead of leaving it to the stalled checker.
import { UnrecoverableError, WaitingError, type Job, type Processor } from 'bullmq';
import { formatIssues } from '../../sdk/config/schema.js';
import { JobTimeoutError } from '../errors.js';
import type { JobContext, JobDefinition } from '../job/define.js';
import { contextFromMetadata, inSpan, queueMetrics, SpanKind } from '../telemetry.js';

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

export function jobProcessor(def: JobDefinition, hooks: ProcessorHooks = {}): Processor {
  const now = hooks.now ?? Date.now;
  return async (job, token, signal) => {
    const startedAt = now();
    const waited = waitTime(job, startedAt);
    if (waited !== undefined) queueMetrics().wait.record(waited, { job: def.name });
    const parent = contextFromMetadata(job.opts.telemetry?.metadata);
    const attributes = { 'messaging.system': 'bullmq', 'messaging.operation.name': 'process', 'messaging.operation.type': 'process', 'messaging.destination.name': def.name, 'messaging.message.id': job.id ?? '', 'tiered.job.attempt': job.attemptsMade + 1 };
    let outcome = 'completed';
    try {
      return await inSpan(`process ${def.name}`, SpanKind.CONSUMER, parent, attributes, () => runHandler(def, job, token, signal, hooks));
    } catch (error) {
      outcome = error instanceof WaitingError ? 'handed_back' : 'failed';
      throw error;
    } finally {
      queueMetrics().run.record(now() - startedAt, { job: def.name, outcome });
    }
  };
}

async function runHandler(def: JobDefinition, job: Job, token: string | undefined, outer: AbortSignal | undefined, hooks: ProcessorHooks): Promise<unknown> {
  const parsed = def.schema.safeParse(job.data);
  if (!parsed.success) {
    // The payload was valid at enqueue; the schema has changed since. Retrying cannot help.
    throw new UnrecoverableError(`payload no longer matches the schema of "${def.name}": ${formatIssues(parsed.error, ['payload']).join('; ')}`);
  }
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = def.timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new JobTimeoutError(def.name, def.timeoutMs!)), def.timeoutMs);
  const context: JobContext = {
    id: job.id ?? '',
    name: def.name,
    attempt: job.attemptsMade + 1,
    attempts: def.attempts,
    signal: controller.signal,
    progress: (value) => job.updateProgress(value),
    log: async (line) => { await job.log(line); },
    job,
  };
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([Promise.resolve().then(() => def.handler(parsed.data, context)), aborted]);
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason === SHUTDOWN) {
      await job.moveToWait(token);
      hooks.onHandedBack?.(job);
      throw new WaitingError();
    }
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
