// Map-reduce on BullMQ flows: one parent reduce job whose children are the map tasks, one per
// input. Map tasks are pure, retried alone when they fail (the parent waits), and any number
// of workers may run them; the reducer gets the map results in input order, so the result does
// not depend on which worker ran what or when.
//
//   export const wordCount = defineMapReduce({ name: 'wordcount', map: countWords, reduce: mergeCounts });
//   // workers: tiered worker --module ./jobs.ts --jobs wordcount.map,wordcount.reduce
//   const { ref } = await mapReduce(producer, wordCount, chunks);   // status of ref → the result
import { FlowProducer } from 'bullmq';
import { z } from 'zod';
import { defineJob, type JobDefinition } from './job/define.js';
import { jobRef } from './job/refs.js';
import type { Enqueued, Producer } from './producer.js';
import { keepJobs } from './producer.js';

export interface MapReduceOptions<I, M, R> {
  /** Job names become `<name>.map` and `<name>.reduce`. */
  name: string;
  map: (input: I) => M | Promise<M>;
  reduce: (results: M[]) => R | Promise<R>;
  /** Attempts per map task (default 3); the reduce gets the same. */
  attempts?: number;
  backoff?: { delay: string | number; jitter?: number };
  /** Validates each input at enqueue (default: any JSON value). */
  inputSchema?: z.ZodType<I>;
}

export interface MapReduce<I = unknown> {
  name: string;
  mapJob: JobDefinition;
  reduceJob: JobDefinition;
  /** Both job definitions: export this (or the whole object) from a job module. */
  jobs: JobDefinition[];
  inputSchema: z.ZodType<I>;
}

const mapPayload = z.object({ index: z.number().int().nonnegative(), input: z.unknown() });

export function defineMapReduce<I, M, R>(options: MapReduceOptions<I, M, R>): MapReduce<I> {
  const inputSchema = options.inputSchema ?? (z.unknown() as z.ZodType<I>);
  const mapJob = defineJob({
    name: `${options.name}.map`,
    schema: mapPayload,
    attempts: options.attempts,
    backoff: options.backoff,
    handler: async ({ index, input }) => ({ index, value: await options.map(input as I) }),
  });
  const reduceJob = defineJob({
    name: `${options.name}.reduce`,
    schema: z.object({ inputs: z.number().int().nonnegative() }),
    attempts: options.attempts,
    backoff: options.backoff,
    handler: async ({ inputs }, ctx) => {
      const values = Object.values(await ctx.job.getChildrenValues<{ index: number; value: M }>());
      if (values.length !== inputs) throw new Error(`reduce got ${values.length} map results, expected ${inputs}`);
      return options.reduce(values.sort((a, b) => a.index - b.index).map((v) => v.value));
    },
  });
  return { name: options.name, mapJob, reduceJob, jobs: [mapJob, reduceJob], inputSchema };
}

const flowProducers = new WeakMap<Producer, FlowProducer>();

/** Enqueues the flow; the returned ref is the reduce job's (its result is the answer). */
export async function mapReduce<I>(producer: Producer, spec: MapReduce<I>, inputs: I[]): Promise<Enqueued> {
  const checked = inputs.map((input, index) => spec.mapJob.schema.parse({ index, input: spec.inputSchema.parse(input) }));
  let flows = flowProducers.get(producer);
  if (!flows) {
    flows = new FlowProducer({ connection: producer.redis, prefix: producer.prefix });
    flows.on('error', () => {});
    flowProducers.set(producer, flows);
  }
  const retention = { removeOnComplete: keepJobs({ count: 1_000, age: 86_400_000 }), removeOnFail: keepJobs({ count: 10_000, age: 30 * 86_400_000 }) };
  const node = await producer.guarded(`map-reduce ${spec.name}`, () => flows.add({
    name: spec.reduceJob.name,
    queueName: spec.reduceJob.name,
    data: { inputs: inputs.length },
    opts: { attempts: spec.reduceJob.attempts, backoff: spec.reduceJob.backoff, ...retention },
    children: checked.map((data) => ({
      name: spec.mapJob.name,
      queueName: spec.mapJob.name,
      data,
      opts: { attempts: spec.mapJob.attempts, backoff: spec.mapJob.backoff, failParentOnFailure: true, ...retention },
    })),
  }));
  const id = node.job.id!;
  return { id, ref: jobRef(spec.reduceJob.name, id), job: spec.reduceJob.name };
}

/** Closes the flow producer made for this producer (call before producer.close()). */
export async function closeMapReduce(producer: Producer): Promise<void> {
  await flowProducers.get(producer)?.close();
  flowProducers.delete(producer);
}
