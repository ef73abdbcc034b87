// Queue depth per state as an OpenTelemetry observable gauge (`tiered.queue.depth{queue,state}`),
// read from Redis when the metrics SDK collects (not on a timer of our own). Register it in one
// long-lived process per deployment (the worker does, with --depth-metrics) to avoid duplicates.
import { metrics } from '@opentelemetry/api';
import { discoverQueues, STATES } from './admin.js';
import type { Producer } from './producer.js';

export function registerQueueDepthMetric(producer: Producer, queues?: string[]): () => void {
  const meter = metrics.getMeter('tiered.queue');
  const depth = meter.createObservableGauge('tiered.queue.depth', { description: 'jobs per queue and state' });
  const callback = async (result: { observe(value: number, attributes: Record<string, string>): void }) => {
    try {
      const names = queues ?? (await producer.guarded('queue names', () => discoverQueues(producer.redis, producer.prefix)));
      for (const queue of names) {
        const counts = await producer.guarded(`depth of ${queue}`, () => producer.queue(queue).getJobCounts(...STATES));
        for (const state of STATES) result.observe(counts[state] ?? 0, { queue, state });
      }
    } catch {
      // Redis down: no observation this time (a gap, not a false zero).
    }
  };
  depth.addCallback(callback);
  return () => depth.removeCallback(callback);
}
