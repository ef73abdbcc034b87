// OpenTelemetry start-up for Tiered's processes. Components only use @opentelemetry/api;
// this is the one place the SDK is started (the library/application split). Standard OTEL_*
// variables apply: OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, …
//
// The SDK and its exporters are imported only when telemetry is switched on: they weigh ~30 MB
// of heap, which a gateway or worker with telemetry off should not carry (nor its GC).
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { parseHostPort } from '../sdk/config/schema.js';
import { createLogger } from '../sdk/log/logger.js';
import type { TelemetryConfig } from './telemetry-config.js';

export interface TelemetryHandle {
  /** Where Prometheus can scrape, when that exporter is on. */
  prometheusUrl?: string;
  shutdown(): Promise<void>;
}

const NOOP: TelemetryHandle = { shutdown: async () => {} };

/** Starts the OpenTelemetry SDK when enabled (config or OTEL_* variables); otherwise no-op. */
export async function startTelemetry(config: Partial<TelemetryConfig> = {}, env: NodeJS.ProcessEnv = process.env): Promise<TelemetryHandle> {
  const enabled = config.enabled ?? Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_METRICS_EXPORTER || env.OTEL_TRACES_EXPORTER);
  if (!enabled || env.OTEL_SDK_DISABLED === 'true') return NOOP;
  const log = createLogger('telemetry');
  const exporter = config.exporter ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'prometheus');
  if (exporter === 'none') return NOOP;

  let metricReader: IMetricReader;
  let prometheusUrl: string | undefined;
  if (exporter === 'prometheus') {
    const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
    const { host, port } = parseHostPort(config.prometheus?.listen ?? '127.0.0.1:9464')!;
    metricReader = new PrometheusExporter({ host, port });
    prometheusUrl = `http://${host}:${port}/metrics`;
  } else {
    const { ConsoleMetricExporter, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
    const metricExporter = exporter === 'otlp'
      ? new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter()
      : new ConsoleMetricExporter();
    metricReader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 10_000 });
  }
  const traces = config.traces ?? Boolean(env.OTEL_TRACES_EXPORTER || env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const traceExporter = !traces ? undefined
    : exporter === 'console' ? new (await import('@opentelemetry/sdk-trace-base')).ConsoleSpanExporter()
    : new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();

  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? config.serviceName ?? 'tiered',
    metricReaders: [metricReader],
    ...(traceExporter ? { traceExporter } : {}),
    instrumentations: [],
  });
  sdk.start();
  log.info({ exporter, prometheusUrl, traces }, 'telemetry started');
  return { prometheusUrl, shutdown: () => sdk.shutdown() };
}
