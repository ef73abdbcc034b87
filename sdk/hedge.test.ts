import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from './random.js';
import { HedgePolicy } from './hedge.js';

test('no hedge delay until enough samples, then the live percentile', () => {
  const now = 0;
  const policy = new HedgePolicy({ percentile: 95, minSamples: 100, clock: () => now });
  for (let i = 0; i < 99; i++) policy.record(10);
  assert.equal(policy.delay(), undefined);
  const rng = seededRng(1);
  for (let i = 0; i < 10_000; i++) policy.record(rng() < 0.95 ? 10 : 200);
  const delay = policy.delay()!;
  assert.ok(delay >= 9.5 && delay <= 11, `p95 delay ${delay}`);
});

test('the estimate follows the service: a slower window moves the delay', () => {
  let now = 0;
  const policy = new HedgePolicy({ percentile: 90, minSamples: 10, window: 1_000, clock: () => now });
  for (let i = 0; i < 100; i++) policy.record(10);
  now += 1_000;
  for (let i = 0; i < 100; i++) policy.record(50);
  now += 1_000;
  assert.ok(Math.abs(policy.delay()! - 50) < 1, `delay ${policy.delay()}`);
  now += 10_000; // long silence: no estimate
  assert.equal(policy.delay(), undefined);
});

test('hedges are capped at maxExtra of requests', () => {
  const policy = new HedgePolicy({ maxExtra: 0.05 });
  let hedges = 0;
  for (let i = 0; i < 10_000; i++) {
    policy.onRequest();
    if (policy.tryHedge()) hedges++; // every request wants a hedge
  }
  assert.ok(hedges <= 500 && hedges >= 490, `hedges ${hedges}`);
});

test('bad options are clear errors', () => {
  assert.throws(() => new HedgePolicy({ percentile: 100 }), /percentile must be in/);
  assert.throws(() => new HedgePolicy({ maxExtra: 2 }), /maxExtra must be in/);
});
