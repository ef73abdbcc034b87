import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WaitQueue } from './wait-queue.js';

test('waiters are served first in, first out while slots last', () => {
  const queue = new WaitQueue<string>(10, 60_000);
  const got: string[] = [];
  queue.enqueue((v) => got.push(`a:${v}`));
  queue.enqueue((v) => got.push(`b:${v}`));
  queue.enqueue((v) => got.push(`c:${v}`));
  const slots = ['s1', 's2'];
  assert.equal(queue.serve(() => slots.shift()), 2);
  assert.deepEqual(got, ['a:s1', 'b:s2']);
  assert.equal(queue.length, 1);
  queue.clear();
  assert.deepEqual(got, ['a:s1', 'b:s2', 'c:undefined']);
});

test('a full queue refuses the next waiter', () => {
  const queue = new WaitQueue<string>(1, 60_000);
  assert.ok(queue.enqueue(() => {}));
  assert.equal(queue.enqueue(() => {}), undefined);
  queue.clear();
});

test('a waiter times out with undefined and leaves the queue', async () => {
  const queue = new WaitQueue<string>(5, 20);
  const result = await new Promise((resolve) => queue.enqueue(resolve));
  assert.equal(result, undefined);
  assert.equal(queue.length, 0);
});

test('cancel removes a waiter exactly once', () => {
  const queue = new WaitQueue<string>(5, 60_000);
  let calls = 0;
  const cancel = queue.enqueue(() => calls++)!;
  cancel();
  cancel();
  assert.equal(calls, 1);
  assert.equal(queue.serve(() => 'slot'), 0);
});
