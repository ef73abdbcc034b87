import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineLatency, encodeHistogram, medianTable, median, newLatencyHistogram, percentileOf, tableFromHistogram } from './stats.js';

function histogramOf(valuesUs: number[]) {
  const h = newLatencyHistogram();
  for (const v of valuesUs) h.recordValue(v);
  return h;
}

test('tableFromHistogram reports milliseconds at the standard percentiles', () => {
  const values = Array.from({ length: 1000 }, (_, i) => (i + 1) * 100); // 0.1 ms .. 100 ms
  const table = tableFromHistogram(histogramOf(values));
  assert.ok(Math.abs((percentileOf(table, 50) as number) - 50) < 0.1);
  assert.ok(Math.abs((percentileOf(table, 99) as number) - 99) < 0.1);
  assert.ok(Math.abs((table.maxMs as number) - 100) < 0.1);
  assert.deepEqual(tableFromHistogram(newLatencyHistogram()), { points: [] });
});

test('percentileOf interpolates between the points a tool printed', () => {
  const table = { points: [{ p: 50, ms: 1 }, { p: 90, ms: 5 }, { p: 99, ms: 14 }] };
  assert.equal(percentileOf(table, 50), 1);
  assert.equal(percentileOf(table, 70), 3);
  assert.equal(percentileOf(table, 10), 1);
  assert.equal(percentileOf(table, 99.9), 14);
  assert.equal(percentileOf(undefined, 50), undefined);
});

test('median handles odd, even and empty lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), undefined);
});

test('rounds with histograms merge exactly: the tail of one bad round shows in p99', () => {
  const fast = histogramOf(Array.from({ length: 990 }, () => 1000));
  const slow = histogramOf(Array.from({ length: 10 }, () => 50_000));
  const merged = combineLatency([
    { operations: 990, elapsedMs: 1000, histogram: encodeHistogram(fast) },
    { operations: 10, elapsedMs: 1000, histogram: encodeHistogram(slow) },
  ]);
  assert.ok((percentileOf(merged, 50) as number) < 1.1);
  assert.ok((percentileOf(merged, 99.5) as number) > 40);
});

test('rounds with only percentile tables combine by the median per point', () => {
  const t = (ms: number) => ({ points: [{ p: 50, ms }, { p: 99, ms: ms * 10 }], maxMs: ms * 20 });
  const combined = medianTable([t(1), t(2), t(9)]);
  assert.equal(percentileOf(combined, 50), 2);
  assert.equal(percentileOf(combined, 99), 20);
  assert.equal(combined?.maxMs, 180);
  assert.equal(combineLatency([{ operations: 1, elapsedMs: 1, latency: t(3) }])?.points[0].ms, 3);
  assert.equal(combineLatency([]), undefined);
});
