// Producers and in-process workers against a real Redis: payload validation, idempotency keys,
// delay and priority, retries with backoff, UnrecoverableError, dead letters, timeouts,
// fail-fast enqueue with Redis down, trace context carried into the job.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { defineJob, InvalidPayloadError, Producer, RedisUnavailableError, registerQueueDepthMetric, UnrecoverableError, WorkerGroup } from './index.js';

let stack: TestStack;
let producer: Producer;
const groups: WorkerGroup[] = [];

before(async () => {
  stack = await startTestStack({ redis: true });
  producer = new Producer({ redis: stack.redis.url, prefix: 'qt' });
});
after(async () => {
  for (const g of groups) await g.close(1_000);
  await producer?.close();
  await stack?.stop();
});

async function worker(...jobs: Parameters<typeof WorkerGroup.start>[0]['jobs']): Promise<WorkerGroup> {
  const group = await WorkerGroup.start({ redis: stack.redis.url, prefix: 'qt', jobs, concurrency: 4 });
  groups.push(group);
  return group;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('producer', () => {
  const greet = defineJob({ name: 'greet', schema: z.object({ to: z.email() }), handler: () => 'ok' });

  test('an invalid payload is rejected with the field path and nothing is enqueued', async () => {
    await assert.rejects(producer.enqueue(greet, { to: 42 } as never), (error: unknown) => {
      assert.ok(error instanceof InvalidPayloadError);
      assert.match(error.problems[0], /^payload\.to: /);
      return true;
    });
    const counts = await producer.queue('greet').getJobCounts();
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 0);
  });

  test('the same idempotency key yields one job', async () => {
    const first = await producer.enqueue(greet, { to: 'a@example.com' }, { idempotencyKey: 'order:17' });
    const second = await producer.enqueue(greet, { to: 'a@example.com' }, { idempotencyKey: 'order:17' });
    assert.equal(first.id, second.id);
    assert.equal(first.ref, `greet:${first.id}`);
    assert.equal(await producer.queue('greet').count(), 1);
    const status = await producer.status(first.ref);
    assert.equal(status?.status, 'queued');
  });

  test('delay and priority are passed to BullMQ', async () => {
    const delayed = await producer.enqueue(greet, { to: 'b@example.com' }, { delay: '1h', priority: 3 });
    const job = await producer.queue('greet').getJob(delayed.id);
    assert.equal(await job!.getState(), 'delayed');
    assert.equal(job!.opts.priority, 3);
    assert.equal(job!.opts.delay, 3_600_000);
  });

  test('fails fast with RedisUnavailableError when Redis never answered', async () => {
    const closed = new Producer({ redis: 'redis://127.0.0.1:1', enqueueTimeout: 1_500 });
    const started = Date.now();
    await assert.rejects(closed.enqueue(greet, { to: 'c@example.com' }), RedisUnavailableError);
    assert.ok(Date.now() - started < 5_000, 'no hanging enqueue');
    await closed.close();
  });
});

describe('worker', () => {
  test('refuses to start on a Redis that may evict jobs', async () => {
    const admin = producer.redis;
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const job = defineJob({ name: 'never', schema: z.object({}), handler: () => {} });
      await assert.rejects(WorkerGroup.start({ redis: stack.redis.url, prefix: 'qt', jobs: [job] }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TIERED_ERR_QUEUE_REDIS_POLICY');
        assert.match(error.message, /allkeys-lru/);
        return true;
      });
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  test('retries with backoff, then completes; the result is in the status', async () => {
    let calls = 0;
    const flaky = defineJob({
      name: 'flaky', schema: z.object({ n: z.number() }), attempts: 3, backoff: { delay: 100, jitter: 0.5 },
      handler: ({ n }) => { calls += 1; if (calls < 3) throw new Error(`boom ${calls}`); return n * 2; },
    });
    await worker(flaky);
    const { ref } = await producer.enqueue(flaky, { n: 21 });
    const view = await until('flaky completed', async () => { const s = await producer.status(ref); return s?.status === 'completed' ? s : undefined; });
    assert.equal(view.result, 42);
    assert.equal(calls, 3);
    assert.equal(view.attemptsMade, 3, "two failed attempts and the one that completed");
  });

  test('exhausted attempts and UnrecoverableError end as dead letters', async () => {
    let unrecoverableCalls = 0;
    const doomed = defineJob({ name: 'doomed', schema: z.object({}), attempts: 2, backoff: { delay: 50 }, handler: () => { throw new Error('always'); } });
    const fatal = defineJob({ name: 'fatal', schema: z.object({}), attempts: 5, handler: () => { unrecoverableCalls += 1; throw new UnrecoverableError('bad input'); } });
    await worker(doomed, fatal);
    const a = await producer.enqueue(doomed, {});
    const b = await producer.enqueue(fatal, {});
    const deadA = await until('doomed failed', async () => { const s = await producer.status(a.ref); return s?.status === 'failed' ? s : undefined; });
    const deadB = await until('fatal failed', async () => { const s = await producer.status(b.ref); return s?.status === 'failed' ? s : undefined; });
    assert.equal(deadA.attemptsMade, 2);
    assert.equal(deadA.error, 'always');
    assert.equal(deadB.error, 'bad input');
    assert.equal(unrecoverableCalls, 1, 'UnrecoverableError skips the remaining attempts');
    assert.equal(await producer.queue('doomed').getFailedCount(), 1);
  });

  test('a handler past its timeout fails the attempt and sees its signal aborted', async () => {
    let sawAbort = false;
    const slow = defineJob({
      name: 'slow', schema: z.object({}), attempts: 1, timeout: 200,
      handler: (_p, ctx) => new Promise((resolve) => { ctx.signal.addEventListener('abort', () => { sawAbort = true; resolve('late'); }); }),
    });
    await worker(slow);
    const { ref } = await producer.enqueue(slow, {});
    const view = await until('slow failed', async () => { const s = await producer.status(ref); return s?.status === 'failed' ? s : undefined; });
    assert.match(view.error ?? '', /timeout of 200 ms/);
    assert.ok(sawAbort);
  });

  test('the job runs in a span that is a child of the send span of the enqueuing request', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    try {
      let seen: string | undefined;
      const traced = defineJob({ name: 'traced', schema: z.object({}), handler: (_p, ctx) => { seen = ctx.job.opts.telemetry?.metadata; } });
      await worker(traced);
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const parent = trace.setSpanContext(context.active(), { traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
      const { ref } = await context.with(parent, () => producer.enqueue(traced, {}));
      await until('traced completed', async () => ((await producer.status(ref))?.status === 'completed' ? true : undefined));
      assert.match(seen ?? '', new RegExp(traceId));
      const spans = exporter.getFinishedSpans();
      const send = spans.find((s) => s.name === 'send traced');
      const processed = await until('process span', async () => exporter.getFinishedSpans().find((s) => s.name === 'process traced'));
      assert.equal(send?.spanContext().traceId, traceId);
      assert.equal(processed.spanContext().traceId, traceId);
      assert.equal(processed.parentSpanContext?.spanId, send?.spanContext().spanId);
      assert.equal(processed.attributes['messaging.destination.name'], 'traced');
    } finally {
      trace.disable();
      propagation.disable();
      context.disable();
      await provider.shutdown();
    }
  });
});

class ManualReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describe('metrics', () => {
  test('wait and run histograms, completions and depth per state reach the meter provider', async () => {
    const reader = new ManualReader();
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    try {
      const measured = defineJob({ name: 'measured', schema: z.object({}), handler: () => 'ok' });
      await worker(measured);
      const stop = registerQueueDepthMetric(producer, ['measured']);
      const { ref } = await producer.enqueue(measured, {});
      await until('measured completed', async () => ((await producer.status(ref))?.status === 'completed' ? true : undefined));
      await producer.enqueue(measured, {}, { delay: '1h' });
      const { resourceMetrics } = await reader.collect();
      const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      const byName = (name: string) => all.find((m) => m.descriptor.name === name);
      assert.equal((byName('tiered.queue.job.wait')?.dataPoints[0]?.value as { count: number }).count, 1);
      assert.ok(byName('tiered.queue.job.run'));
      assert.equal(byName('tiered.queue.jobs.completed')?.dataPoints[0]?.value, 1);
      const delayed = byName('tiered.queue.depth')?.dataPoints.find((p) => p.attributes.state === 'delayed');
      assert.equal(delayed?.value, 1);
      stop();
    } finally {
      metrics.disable();
      await provider.shutdown();
    }
  });
});
