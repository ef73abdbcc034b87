// Operator actions over the queues in Redis, shared by `tiered jobs` and the queue view: find
// the queues, count jobs per state, list dead letters, retry them, purge old finished jobs.
import type { Redis } from 'ioredis';
import type { Producer } from './producer.js';
import { jobView, readJobView, type JobView } from './job/status.js';
import { parseJobRef } from './job/refs.js';

export const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'waiting-children'] as const;

export interface QueueStats {
  queue: string;
  counts: Record<(typeof STATES)[number], number>;
  /** Completed/failed per minute over the last 5 minutes (from BullMQ worker metrics). */
  completedPerMinute: number;
  failedPerMinute: number;
}

/** Queue names under a prefix, found from BullMQ's `<prefix>:<queue>:meta` keys. */
export async function discoverQueues(redis: Redis, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*:meta`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) names.add(key.slice(prefix.length + 1, -':meta'.length));
  } while (cursor !== '0');
  return [...names].sort();
}

async function perMinute(producer: Producer, queue: string, type: 'completed' | 'failed'): Promise<number> {
  const metrics = await producer.queue(queue).getMetrics(type, 0, 4).catch(() => undefined);
  if (!metrics || metrics.data.length === 0) return 0;
  return metrics.data.reduce((a, b) => a + b, 0) / metrics.data.length;
}

export async function queueStats(producer: Producer, queues: string[]): Promise<QueueStats[]> {
  return producer.guarded('queue stats', () => Promise.all(queues.map(async (queue) => ({
    queue,
    counts: (await producer.queue(queue).getJobCounts(...STATES)) as QueueStats['counts'],
    completedPerMinute: await perMinute(producer, queue, 'completed'),
    failedPerMinute: await perMinute(producer, queue, 'failed'),
  }))));
}

/** The newest dead letters of a queue. A job whose stored payload is not JSON is listed from its raw hash. */
export async function listFailed(producer: Producer, queue: string, limit = 50): Promise<JobView[]> {
  return producer.guarded(`failed jobs of ${queue}`, async () => {
    const q = producer.queue(queue);
    try {
      const jobs = await q.getFailed(0, limit - 1);
      return jobs.filter(Boolean).map((job) => jobView(job as never, 'failed'));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
    // one unreadable job must not hide the others: read them one by one
    const views: JobView[] = [];
    for (const id of await q.getRanges(['failed'], 0, limit - 1, false)) {
      const view = await readJobView(q, producer.redis, id, 'failed');
      if (view) views.push(view);
    }
    return views;
  });
}

/** Moves one dead letter back to wait; false when it is not a failed job. */
export async function retryFailed(producer: Producer, ref: string): Promise<boolean> {
  const parts = parseJobRef(ref);
  if (!parts) return false;
  return producer.guarded(`retry ${ref}`, async () => {
    const job = await producer.queue(parts.name).getJob(parts.id);
    if (!job || (await job.getState()) !== 'failed') return false;
    await job.retry('failed');
    return true;
  });
}

/** Retries every dead letter of a queue; returns how many there were. */
export async function retryAllFailed(producer: Producer, queue: string): Promise<number> {
  return producer.guarded(`retry all of ${queue}`, async () => {
    const failed = await producer.queue(queue).getFailedCount();
    await producer.queue(queue).retryJobs({ state: 'failed', count: 1_000 });
    return failed;
  });
}

/** Removes completed and failed jobs finished more than `olderThanMs` ago. */
export async function purgeFinished(producer: Producer, queue: string, olderThanMs: number): Promise<{ completed: number; failed: number }> {
  return producer.guarded(`purge ${queue}`, async () => {
    const q = producer.queue(queue);
    const completed = await q.clean(olderThanMs, 0, 'completed');
    const failed = await q.clean(olderThanMs, 0, 'failed');
    return { completed: completed.length, failed: failed.length };
  });
}
