import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBudget } from './retry-budget.js';

test('when every request fails, retries stay near 20% of requests', () => {
  let now = 0;
  const budget = new RetryBudget({ ratio: 0.2, minConcurrent: 3, clock: () => now });
  let retries = 0;
  for (let i = 0; i < 1_000; i++) {
    now += 1; // 1,000 requests per second, each failing and asking for a retry
    budget.deposit();
    if (budget.tryAcquire()) {
      retries++;
      budget.release();
    }
  }
  // 20% from the ratio plus the reserve of 3 per second over one second.
  assert.ok(retries >= 200 && retries <= 206, `retries ${retries}`);
  assert.ok(budget.stats().exhausted > 700);
});

test('a quiet client still gets retries from the minimum reserve', () => {
  let now = 0;
  const budget = new RetryBudget({ clock: () => now });
  budget.deposit();
  assert.equal(budget.tryAcquire(), true);
  budget.release();
  now += 1_000;
  budget.deposit();
  assert.equal(budget.tryAcquire(), true);
});

test('the reserve is limited to minConcurrent retries in flight', () => {
  const now = 0;
  const budget = new RetryBudget({ ratio: 0, minConcurrent: 3, clock: () => now });
  assert.deepEqual([1, 2, 3, 4].map(() => budget.tryAcquire()), [true, true, true, false]);
  budget.release();
  assert.equal(budget.tryAcquire(), false, 'reserve spent and not yet refilled');
});

test('ratio 0 with no reserve allows no retries', () => {
  const budget = new RetryBudget({ ratio: 0, minConcurrent: 0 });
  budget.deposit();
  assert.equal(budget.tryAcquire(), false);
});
