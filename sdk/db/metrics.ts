// OpenTelemetry instruments of the DB client (API only).
import { metrics } from '@opentelemetry/api';

export function createDbMetrics(client: string) {
  const meter = metrics.getMeter('tiered.sdk');
  const base = { 'tiered.client': client };
  const duration = meter.createHistogram('tiered.sdk.db.duration', { unit: 'ms', description: 'Statement latency by pool' });
  const fallbacks = meter.createCounter('tiered.sdk.db.read_fallbacks', { description: 'Reads sent to the write pool instead of the read pool, by reason' });
  const waits = meter.createCounter('tiered.sdk.db.replica_waits', { description: 'Session reads that waited for a replica to catch up' });
  return {
    statement: (pool: 'read' | 'write', ms: number) => duration.record(ms, { ...base, 'db.pool': pool }),
    fallback: (reason: 'lag' | 'down' | 'locking') => fallbacks.add(1, { ...base, reason }),
    waited: () => waits.add(1, base),
  };
}

export type DbMetrics = ReturnType<typeof createDbMetrics>;
