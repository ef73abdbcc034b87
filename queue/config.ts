// The `queue:` section of tiered.yaml (schema owned by the queue component).
//
//   queue:
//     redis: redis://127.0.0.1:6379
//     prefix: tiered
//     jobs: [./app/jobs.ts]          # modules exporting defineJob()/defineSchedule() values
//     enqueueTimeout: 2s             # producers fail fast after this when Redis does not answer
//     worker: { concurrency: 4, shutdownGrace: 30s, lockDuration: 30s, stalledInterval: 30s, maxStalledCount: 1, metrics: true }
//     deadLetters: { count: 10000, age: 30d }
//     completed: { count: 1000, age: 1d }
import { z } from 'zod';
import { duration, url } from '../sdk/config/schema.js';

const retention = z.strictObject({
  count: z.number().int().nonnegative().optional(),
  age: duration().optional(),
});

export const workerConfigSchema = z.strictObject({
  concurrency: z.number().int().positive().default(1),
  shutdownGrace: duration().default(30_000),
  lockDuration: duration().default(30_000),
  stalledInterval: duration().default(30_000),
  maxStalledCount: z.number().int().nonnegative().default(1),
  /** Per-minute completed/failed counts (BullMQ's metrics keys, written every 5 s), shown as rates in the queue view. */
  metrics: z.boolean().default(true),
});

export const queueConfigSchema = z.strictObject({
  redis: url('redis:', 'rediss:').default('redis://127.0.0.1:6379'),
  prefix: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . or -').default('tiered'),
  jobs: z.array(z.string()).default([]),
  enqueueTimeout: duration().default(2_000),
  worker: workerConfigSchema.default({ concurrency: 1, shutdownGrace: 30_000, lockDuration: 30_000, stalledInterval: 30_000, maxStalledCount: 1, metrics: true }),
  deadLetters: retention.default({ count: 10_000, age: 30 * 86_400_000 }),
  completed: retention.default({ count: 1_000, age: 86_400_000 }),
});

export type QueueConfig = z.output<typeof queueConfigSchema>;
export type WorkerConfig = z.output<typeof workerConfigSchema>;
/** How many finished jobs to keep: the newest `count`, none older than `age` ms. */
export type Retention = z.output<typeof retention>;
