// The public view of a job, as the status endpoint and `tiered jobs` show it. BullMQ has more
// states than a caller cares about; they fold into queued | active | completed | failed.
import type { Job } from 'bullmq';
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
