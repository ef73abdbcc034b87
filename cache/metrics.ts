// Cache metrics through @opentelemetry/api only (ops/ starts the SDK). Every instrument
// carries the cache namespace; hits also say which tier answered.
import { metrics, type Attributes } from '@opentelemetry/api';

export interface CacheMetrics {
  hit(tier: 'l1' | 'l2'): void;
  miss(): void;
  staleServed(reason: 'loader-error' | 'soft-timeout' | 'lease-held'): void;
  load(outcome: 'ok' | 'error' | 'timeout', ms: number): void;
  leaseWait(outcome: 'filled' | 'retook' | 'gave-up', ms: number): void;
  degraded(): void;
  staleSetRejected(): void;
  invalidation(kind: 'key' | 'tag', count: number): void;
  relayLag(ms: number): void;
  breaker(mode: string): void;
  /** A malformed value read back (entry, tag counter, lease, bus message, outbox row): handled, counted. */
  malformed(what: 'entry' | 'tag' | 'lease' | 'bus' | 'outbox'): void;
}

export function createCacheMetrics(namespace: string): CacheMetrics {
  const meter = metrics.getMeter('tiered.cache');
  const base: Attributes = { 'cache.namespace': namespace };
  const hits = meter.createCounter('tiered.cache.hits', { description: 'getOrLoad answered from cache' });
  const misses = meter.createCounter('tiered.cache.misses', { description: 'getOrLoad found no usable value' });
  const stale = meter.createCounter('tiered.cache.stale_served', { description: 'stale values served in grace' });
  const loads = meter.createCounter('tiered.cache.loads', { description: 'loader calls' });
  const loadTime = meter.createHistogram('tiered.cache.load.duration', { unit: 'ms', description: 'loader latency' });
  const leaseWaits = meter.createHistogram('tiered.cache.lease.wait', { unit: 'ms', description: 'time spent waiting on another holder of the lease' });
  const degraded = meter.createCounter('tiered.cache.degraded', { description: 'loads done without the store (breaker open or store error)' });
  const rejected = meter.createCounter('tiered.cache.stale_set_rejected', { description: 'fills dropped because an invalidation voided the lease' });
  const invalidations = meter.createCounter('tiered.cache.invalidations', { description: 'keys deleted and tags bumped' });
  const relayLag = meter.createHistogram('tiered.cache.relay.lag', { unit: 'ms', description: 'commit to applied invalidation (outbox)' });
  const malformed = meter.createCounter('tiered.cache.malformed', { description: 'malformed values read back and handled (miss, repair, L1 flush)' });
  let breakerMode = 0;
  meter.createObservableGauge('tiered.cache.breaker.open', { description: '1 while the store breaker is open or probing' })
    .addCallback((result) => result.observe(breakerMode, base));
  return {
    hit: (tier) => hits.add(1, { ...base, 'cache.tier': tier }),
    miss: () => misses.add(1, base),
    staleServed: (reason) => stale.add(1, { ...base, reason }),
    load(outcome, ms) {
      loads.add(1, { ...base, outcome });
      loadTime.record(ms, { ...base, outcome });
    },
    leaseWait: (outcome, ms) => leaseWaits.record(ms, { ...base, outcome }),
    degraded: () => degraded.add(1, base),
    staleSetRejected: () => rejected.add(1, base),
    invalidation: (kind, count) => invalidations.add(count, { ...base, kind }),
    relayLag: (ms) => relayLag.record(ms, base),
    malformed: (what) => malformed.add(1, { ...base, what }),
    breaker(mode) {
      breakerMode = mode === 'closed' ? 0 : 1;
    },
  };
}
