import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitTime } from './processor.js';

test('wait time counts from enqueue, or from the due time of a delayed job, first attempt only', () => {
  assert.equal(waitTime({ timestamp: 1_000, opts: {}, attemptsMade: 0 }, 1_250), 250);
  assert.equal(waitTime({ timestamp: 1_000, opts: { delay: 5_000 }, attemptsMade: 0 }, 6_100), 100);
  assert.equal(waitTime({ timestamp: 1_000, opts: { delay: 5_000 }, attemptsMade: 0 }, 5_900), 0);
  assert.equal(waitTime({ timestamp: 1_000, opts: {}, attemptsMade: 1 }, 9_000), undefined);
});
