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

test('a busy server\'s spike is forgotten after a few dozen fast answers, however close together', () => {
  const e = new PeakEwma({ decayTime: 2_000 });
  e.observe(2, 0);
  e.observe(30, 1); // one spike (a pause shared by every request in flight)
  let now = 1;
  let samples = 0;
  while (e.lastEstimate()! > 4) {
    now += 1; // 1,000 answers a second: by time alone the spike would last seconds
    e.observe(2, now);
    samples++;
  }
  assert.ok(samples <= 60, `forgotten after ${samples} fast answers`);
  const timeOnly = new PeakEwma({ decayTime: 2_000, minSampleWeight: 0 });
  timeOnly.observe(2, 0);
  timeOnly.observe(30, 1);
  for (let t = 2; t <= 62; t++) timeOnly.observe(2, t);
  assert.ok(timeOnly.lastEstimate()! > 25, 'by time alone it stays near the spike');
});
