import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelayMs } from './backoff.js';

test('retry delay doubles per attempt, stays within [ceiling/2, ceiling] and is capped', () => {
  assert.equal(retryDelayMs(0, () => 0), 50);
  assert.equal(retryDelayMs(0, () => 1), 100);
  assert.equal(retryDelayMs(3, () => 1), 800);
  assert.equal(retryDelayMs(50, () => 1), 30_000);
  assert.equal(retryDelayMs(50, () => 0), 15_000);
  assert.equal(retryDelayMs(5, () => 0.5, 1000), 750);
});
