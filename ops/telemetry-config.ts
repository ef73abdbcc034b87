// The `telemetry:` section of tiered.yaml. Standard OTEL_* variables still apply on top.
import { z } from 'zod';
import { hostPort } from '../sdk/config/schema.js';

export const telemetryConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  serviceName: z.string().min(1).default('tiered'),
  /** `prometheus` serves /metrics on `prometheus.listen`; `otlp` pushes to OTEL_EXPORTER_OTLP_ENDPOINT. */
  exporter: z.enum(['prometheus', 'otlp', 'console', 'none']).default('prometheus'),
  prometheus: z.strictObject({ listen: hostPort().default('127.0.0.1:9464') }).default({ listen: '127.0.0.1:9464' }),
  traces: z.boolean().default(false),
});

export type TelemetryConfig = z.output<typeof telemetryConfigSchema>;
