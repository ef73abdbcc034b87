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

test('the first delay cannot spend the reserve; a late hedge can', () => {
  const policy = new HedgePolicy({ maxExtra: 0.5, reserve: 2, maxBalance: 10 });
  for (let i = 0; i < 6; i++) policy.onRequest(); // 3 tokens
  assert.equal(policy.tryHedge(), true); // 3 → 2
  assert.equal(policy.tryHedge(), false, 'the first delay spent the reserve');
  assert.equal(policy.tryHedge(true), true); // 2 → 1
  assert.equal(policy.tryHedge(true), true); // 1 → 0
  assert.equal(policy.tryHedge(true), false, 'more than the cap');
  assert.deepEqual([policy.stats().hedges, policy.stats().lateHedges], [3, 2]);
});

test('stragglers at the first delay cannot starve the requests still waiting at the late delay', () => {
  // Every request wants a hedge at the first delay (a stalled event loop, say), and 1 in 100 is
  // still waiting at the late one (stuck on a slow host): those must all get theirs, under the cap.
  const policy = new HedgePolicy({ maxExtra: 0.05 });
  let hedges = 0;
  let stuck = 0;
  let stuckHedged = 0;
  for (let i = 0; i < 20_000; i++) {
    policy.onRequest();
    if (policy.tryHedge()) {
      hedges++;
      continue;
    }
    if (i % 100 === 99) {
      stuck++;
      if (policy.tryHedge(true)) {
        hedges++;
        stuckHedged++;
      }
    }
  }
  assert.ok(hedges <= 0.05 * 20_000, `hedges ${hedges} over the 5% cap`);
  assert.ok(stuckHedged >= stuck - 1, `only ${stuckHedged} of ${stuck} late requests hedged`);
});

test('the late delay sits further out in the tail (p99 for p95 by default)', () => {
  const now = 0;
  const policy = new HedgePolicy({ percentile: 95, minSamples: 10, clock: () => now });
  assert.equal(policy.latePercentile, 99);
  for (let i = 0; i < 10_000; i++) policy.record(1 + (i % 100)); // uniform 1..100 ms
  assert.ok(Math.abs(policy.delay()! - 95) <= 1, `delay ${policy.delay()}`);
  assert.ok(Math.abs(policy.lateDelay()! - 99) <= 1, `late delay ${policy.lateDelay()}`);
});

test('the late delay is at most twice the first: a 1 % tail must not push it into the tail', () => {
  const now = 0;
  const policy = new HedgePolicy({ percentile: 95, minSamples: 10, clock: () => now });
  for (let i = 0; i < 10_000; i++) policy.record(i % 100 < 2 ? 80 : 2); // 2 % of attempts take 80 ms
  assert.ok(policy.delay()! <= 2.1, `delay ${policy.delay()}`);
  assert.ok(policy.lateDelay()! <= 4.2, `late delay ${policy.lateDelay()} inside the tail`);
});

test('a refunded hedge (no other host) gives its token back', () => {
  const policy = new HedgePolicy({ maxExtra: 1, reserve: 0 });
  policy.onRequest();
  assert.equal(policy.tryHedge(), true);
  policy.refund();
  assert.equal(policy.stats().hedges, 0);
  assert.equal(policy.tryHedge(), true);
});

test('bad late-stage options are clear errors', () => {
  assert.throws(() => new HedgePolicy({ percentile: 95, latePercentile: 90 }), /latePercentile must be in/);
  assert.throws(() => new HedgePolicy({ reserve: 10 }), /reserve must be in/);
});
