// Metrics through the global @opentelemetry/api provider (the cache never touches the SDK;
// this test installs one, as ops/ does at start-up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createCache } from './cache.js';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

test('hits per tier, misses, loads, stale served and invalidations are counted per namespace', async () => {
  const reader = new TestReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  let now = 1_000_000;
  const cache = createCache({ store: 'memory', namespace: 'm1', ttl: '1s', grace: '1h', jitter: 0, l1: { maxEntries: 10, ttl: 100 }, clock: () => now });
  await cache.getOrLoad('k', async () => 1); // miss + load
  await cache.getOrLoad('k', async () => 1); // l1 hit
  now += 500;
  await new Promise((r) => setTimeout(r, 150)); // L1 entry (100 ms) gone
  await cache.getOrLoad('k', async () => 1); // l2 hit
  now += 2000;
  await cache.getOrLoad('k', async () => { throw new Error('down'); }); // miss + stale served
  await cache.invalidate('k');

  const { resourceMetrics } = await reader.collect();
  const points: Record<string, number> = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints as any[]) {
        assert.equal(point.attributes['cache.namespace'], 'm1');
        const label = [metric.descriptor.name, point.attributes['cache.tier'] ?? point.attributes.outcome ?? point.attributes.reason ?? point.attributes.kind].filter(Boolean).join('/');
        points[label] = typeof point.value === 'number' ? point.value : point.value.count;
      }
    }
  }
  assert.equal(points['tiered.cache.hits/l1'], 1);
  assert.equal(points['tiered.cache.hits/l2'], 1);
  assert.equal(points['tiered.cache.misses'], 2);
  assert.equal(points['tiered.cache.loads/ok'], 1);
  assert.equal(points['tiered.cache.loads/error'], 1);
  assert.equal(points['tiered.cache.load.duration/ok'], 1);
  assert.equal(points['tiered.cache.stale_served/loader-error'], 1);
  assert.equal(points['tiered.cache.invalidations/key'], 1);
  assert.equal(points['tiered.cache.breaker.open'], 0);
});
