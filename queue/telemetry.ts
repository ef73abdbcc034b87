// Metrics and traces through @opentelemetry/api only (ops/ starts the SDK). The enqueuing
// request's trace context travels in BullMQ's own `opts.telemetry.metadata` field (W3C
// traceparent), so the job's span is a child of the request that caused it.
import { context, isSpanContextValid, metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type SpanOptions } from '@opentelemetry/api';

export const tracer = trace.getTracer('tiered.queue');

function createInstruments() {
  const meter = metrics.getMeter('tiered.queue');
  return {
    enqueued: meter.createCounter('tiered.queue.jobs.enqueued', { description: 'jobs enqueued' }),
    rejected: meter.createCounter('tiered.queue.jobs.rejected', { description: 'enqueues refused (invalid payload, Redis down)' }),
    wait: meter.createHistogram('tiered.queue.job.wait', { unit: 'ms', description: 'time from enqueue (or due time) to start' }),
    run: meter.createHistogram('tiered.queue.job.run', { unit: 'ms', description: 'handler run time per attempt' }),
    retries: meter.createCounter('tiered.queue.jobs.retried', { description: 'failed attempts that will be retried' }),
    deadLetters: meter.createCounter('tiered.queue.jobs.dead', { description: 'jobs that failed for good (dead letters)' }),
    completed: meter.createCounter('tiered.queue.jobs.completed', { description: 'jobs completed' }),
  };
}

// The metrics API has no proxy provider: instruments made before ops/ starts the SDK would stay
// no-ops, so they are (re)made whenever the global meter provider changes.
let instruments: { provider: unknown; value: ReturnType<typeof createInstruments> } | undefined;

export function queueMetrics(): ReturnType<typeof createInstruments> {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider !== provider) instruments = { provider, value: createInstruments() };
  return instruments.value;
}

/** Serialises the active trace context for `opts.telemetry.metadata`; undefined without a span. */
export function traceMetadata(active: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  return Object.keys(carrier).length ? JSON.stringify(carrier) : undefined;
}

export function contextFromMetadata(metadata: string | undefined): Context {
  if (!metadata) return ROOT_CONTEXT;
  try {
    return propagation.extract(ROOT_CONTEXT, JSON.parse(metadata) as Record<string, string>);
  } catch {
    return ROOT_CONTEXT;
  }
}

/**
 * A span to run a job in, or undefined when no tracing SDK is there to record or propagate one:
 * the API alone hands out spans with an invalid context, and skipping them saves the context
 * switch and the attribute objects on every job.
 */
export function startSpanIfTracing(name: string, options: SpanOptions, parent: Context): Span | undefined {
  const span = tracer.startSpan(name, options, parent);
  return isSpanContextValid(span.spanContext()) ? span : undefined;
}

/** Runs `fn` with `span` active under `parent`, recording an exception and error status when it throws, then ends the span. */
export function runInSpan<T>(span: Span, parent: Context, fn: () => Promise<T>): Promise<T> {
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs `fn` inside a span, recording an exception and error status when it throws. */
export function inSpan<T>(name: string, kind: SpanKind, parent: Context, attributes: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind, attributes }, parent);
  return runInSpan(span, parent, () => fn(span));
}

export { SpanKind };
