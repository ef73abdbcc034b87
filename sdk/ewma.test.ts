import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeakEwma } from './ewma.js';

test('unmeasured until the first sample', () => {
  const e = new PeakEwma();
  assert.equal(e.value(0), undefined);
  e.observe(20, 0);
  assert.equal(e.value(0), 20);
});

test('jumps up to a peak at once, comes down gradually', () => {
  const e = new PeakEwma({ decayTime: 1_000 });
  e.observe(10, 0);
  e.observe(500, 10);
  assert.equal(e.value(10), 500);
  e.observe(10, 1_010);
  const after = e.value(1_010)!;
  assert.ok(after < 500 && after > 10, `after one time constant: ${after}`);
});

test('decays toward zero without samples, so a slow host is retried later', () => {
  const e = new PeakEwma({ decayTime: 1_000 });
  e.observe(100, 0);
  assert.ok(e.value(5_000)! < 1);
  e.reset();
  assert.equal(e.value(5_000), undefined);
});

test('lastEstimate is the estimate at the last sample, without the decay since', () => {
  const e = new PeakEwma({ decayTime: 1_000 });
  assert.equal(e.lastEstimate(), undefined);
  e.observe(20, 0);
  assert.equal(e.lastEstimate(), 20);
  assert.ok(e.value(5_000)! < 1);
  assert.equal(e.lastEstimate(), 20);
});
