// The two peers of the queue suite behind one small interface, so every scenario runs the same
// code against raw BullMQ and against Tiered's layer on the same Redis: enqueue (bulk or one by
// one) and run workers with a given concurrency, counting completions.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { defineJob, Producer, WorkerGroup } from '../../../../queue/index.js';

export interface Driver {
  /** Adds the payloads in one round trip. */
  enqueueBulk(queue: string, payloads: { t: number }[]): Promise<void>;
  enqueue(queue: string, payload: { t: number }): Promise<void>;
  /** Starts consumers of `queue`; `onJob` runs inside each (no-op) job. */
  work(queue: string, concurrency: number, onJob: (payload: { t: number }) => void): Promise<{ stop(): Promise<void> }>;
  /** Removes a queue's keys between measurements. */
  drop(queue: string): Promise<void>;
  close(): Promise<void>;
}

const keep = { removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } };

export function rawBullmq(url: string, prefix: string): Driver {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) queues.set(name, (q = new Queue(name, { connection, prefix })));
    return q;
  };
  return {
    async enqueueBulk(name, payloads) {
      await queue(name).addBulk(payloads.map((data) => ({ name, data, opts: { attempts: 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 }, ...keep } })));
    },
    async enqueue(name, payload) {
      await queue(name).add(name, payload, { attempts: 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 }, ...keep });
    },
    async work(name, concurrency, onJob) {
      // Its own connection, as BullMQ's docs advise for workers (and as Tiered's WorkerGroup does).
      const workerConnection = new Redis(url, { maxRetriesPerRequest: null });
      const worker = new Worker(name, async (job) => { onJob(job.data as { t: number }); }, { connection: workerConnection, prefix, concurrency, ...keep });
      return { stop: async () => { await worker.close(); workerConnection.disconnect(); } };
    },
    async drop(name) {
      await queue(name).obliterate({ force: true });
    },
    async close() {
      for (const q of queues.values()) await q.close();
      connection.disconnect();
    },
  };
}

export function tieredLayer(url: string, prefix: string): Driver {
  const producer = new Producer({ redis: url, prefix, completed: { count: 1_000 }, deadLetters: { count: 1_000 }, enqueueTimeout: 30_000 });
  const defs = new Map<string, ReturnType<typeof noop>>();
  let onJobs = new Map<string, (payload: { t: number }) => void>();
  const noop = (name: string) => defineJob({ name, schema: z.object({ t: z.number() }), handler: (payload) => { onJobs.get(name)?.(payload); } });
  const def = (name: string) => {
    let d = defs.get(name);
    if (!d) defs.set(name, (d = noop(name)));
    return d;
  };
  return {
    async enqueueBulk(name, payloads) {
      await producer.enqueueMany(def(name), payloads);
    },
    async enqueue(name, payload) {
      await producer.enqueue(def(name), payload);
    },
    async work(name, concurrency, onJob) {
      onJobs = new Map(onJobs).set(name, onJob);
      const group = await WorkerGroup.start({ redis: url, prefix, jobs: [def(name)], concurrency, completed: { count: 1_000 }, deadLetters: { count: 1_000 } });
      return { stop: async () => { await group.close(5_000); } };
    },
    async drop(name) {
      await producer.queue(name).obliterate({ force: true });
    },
    close: () => producer.close(),
  };
}
