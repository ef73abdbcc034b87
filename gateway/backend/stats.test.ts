import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stats } from './stats.js';

test('stats: status classes, and percentiles over the last one to two minutes', () => {
  const stats = new Stats();
  const t0 = Date.now();
  for (let i = 0; i < 99; i++) stats.time(10, t0);
  stats.time(500, t0);
  stats.status(200);
  stats.status(503);
  stats.status(0);
  let snap = stats.snapshot(t0 + 1000);
  assert.deepEqual([snap.responses['2xx'], snap.responses['5xx'], snap.responses.other], [1, 1, 1]);
  assert.ok(Math.abs(snap.p50 - 10) < 0.1, `p50 ${snap.p50}`);
  assert.ok(snap.max >= 495, `max ${snap.max}`);
  stats.time(1, t0 + 61_000); // a new window: the old one is still counted
  snap = stats.snapshot(t0 + 61_000);
  assert.ok(snap.max >= 495);
  snap = stats.snapshot(t0 + 125_000); // the first window is forgotten, the 1 ms sample is kept
  assert.ok(snap.max < 2, `max ${snap.max}`);
  assert.equal(stats.snapshot(t0 + 400_000).p99, 0, 'all forgotten after two idle windows');
  const other = new Stats();
  other.time(7, t0 + 400_000);
  other.requests = 3;
  stats.merge(other);
  assert.equal(stats.requests, 3);
  assert.ok(stats.snapshot(t0 + 400_000).p50 > 0);
});
