import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SLICE_MS, SLICES, Stats } from './stats.js';

test('stats: status classes, and percentiles over the last SLICES time slices', () => {
  const stats = new Stats();
  const t0 = Math.floor(Date.now() / SLICE_MS) * SLICE_MS;
  for (let i = 0; i < 99; i++) stats.time(10, t0);
  stats.time(500, t0);
  stats.status(200);
  stats.status(503);
  stats.status(0);
  let snap = stats.snapshot(t0 + 1000);
  assert.deepEqual([snap.responses['2xx'], snap.responses['5xx'], snap.responses.other], [1, 1, 1]);
  assert.ok(Math.abs(snap.p50 - 10) < 0.1, `p50 ${snap.p50}`);
  assert.ok(snap.max >= 495, `max ${snap.max}`);
  assert.equal(snap.timers.total?.count, 100);
  assert.equal(snap.timers.queue, undefined, 'no sample, no timer');
  const last = t0 + (SLICES - 1) * SLICE_MS;
  stats.time(1, last); // the last slice of the window: the first one is still counted
  snap = stats.snapshot(last);
  assert.ok(snap.max >= 495);
  assert.equal(snap.timers.total?.count, 101);
  snap = stats.snapshot(t0 + SLICES * SLICE_MS); // the first slice has left the window
  assert.ok(snap.max < 2, `max ${snap.max}`);
  assert.equal(stats.snapshot(t0 + 100 * SLICE_MS).p99, 0, 'all forgotten after a long pause');
  stats.time(3, t0 + 100 * SLICE_MS, 'connect');
  assert.ok(Math.abs(stats.snapshot(t0 + 100 * SLICE_MS).timers.connect!.p50 - 3) < 0.05);
  const other = new Stats();
  other.time(7, t0 + 100 * SLICE_MS);
  other.requests = 3;
  stats.merge(other, t0 + 100 * SLICE_MS);
  assert.equal(stats.requests, 3);
  assert.ok(stats.snapshot(t0 + 100 * SLICE_MS).p50 > 0);
});
