import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSize, formatDuration } from './units.js';

test('durations', () => {
  assert.equal(parseDuration('150ms'), 150);
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration(42), 42);
  for (const bad of ['', 's', '2 parsecs', '1s garbage', '-1s']) assert.throws(() => parseDuration(bad), RangeError, bad);
});

test('sizes', () => {
  assert.equal(parseSize('64mb'), 64 * 1024 * 1024);
  assert.equal(parseSize('512k'), 512 * 1024);
  assert.equal(parseSize('1.5GiB'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('100'), 100);
  for (const bad of ['', 'mb', '12 parsecs', '-1mb']) assert.throws(() => parseSize(bad), RangeError, bad);
});

test('formatDuration', () => {
  assert.equal(formatDuration(0.5), '500µs');
  assert.equal(formatDuration(1.234), '1.23ms');
  assert.equal(formatDuration(2500), '2.50s');
});
