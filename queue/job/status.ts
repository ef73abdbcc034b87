// The public view of a job, as the status endpoint and `tiered jobs` show it. BullMQ has more
// states than a caller cares about; they fold into queued | active | completed | failed.
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobRef } from './refs.js';

export type JobStatus = 'queued' | 'active' | 'completed' | 'failed';

export interface JobView {
  id: string;
  job: string;
  status: JobStatus;
  progress: number | object;
  attemptsMade: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  result?: unknown;
  error?: string;
}

/** BullMQ state → public status; undefined for `unknown` (no such job, or already removed). */
export function publicStatus(state: string): JobStatus | undefined {
  switch (state) {
    case 'waiting': case 'wait': case 'delayed': case 'prioritized': case 'paused': case 'waiting-children':
      return 'queued';
    case 'active': return 'active';
    case 'completed': return 'completed';
    case 'failed': return 'failed';
    default: return undefined;
  }
}

const iso = (ms: number | undefined): string | undefined => (ms ? new Date(ms).toISOString() : undefined);

export function jobView(job: Job, status: JobStatus): JobView {
  const view: JobView = {
    id: jobRef(job.queueName, job.id ?? ''),
    job: job.queueName,
    status,
    progress: job.progress as number | object,
    attemptsMade: job.attemptsMade,
    createdAt: iso(job.timestamp) ?? '',
    startedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
  };
  if (status === 'completed') view.result = job.returnvalue;
  if (status === 'failed' || (status === 'queued' && job.failedReason)) view.error = job.failedReason;
  return view;
}

/**
 * The view of one job, read even when its stored payload is not JSON (BullMQ's getJob throws on
 * such a job; it is then shown from the raw hash, with the failure reason the worker recorded).
 */
export async function readJobView(queue: Queue, redis: Redis, id: string, status?: JobStatus): Promise<JobView | undefined> {
  try {
    const job = await queue.getJob(id);
    if (!job) return undefined;
    const state = status ?? publicStatus(await job.getState());
    return state ? jobView(job, state) : undefined;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  const raw = await redis.hgetall(queue.toKey(id));
  if (!raw || Object.keys(raw).length === 0) return undefined;
  const state = status ?? publicStatus(await queue.getJobState(id));
  if (!state) return undefined;
  const ms = (v: string | undefined) => (v && Number.isFinite(Number(v)) ? Number(v) : undefined);
  const view: JobView = {
    id: jobRef(queue.name, id),
    job: queue.name,
    status: state,
    progress: 0,
    attemptsMade: ms(raw.atm) ?? 0,
    createdAt: iso(ms(raw.timestamp)) ?? '',
    startedAt: iso(ms(raw.processedOn)),
    finishedAt: iso(ms(raw.finishedOn)),
  };
  view.error = raw.failedReason ?? 'payload is not JSON';
  return view;
}
