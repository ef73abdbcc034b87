import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnBatch } from './turn-batch.js';

test('turn batch: items run at the end of the turn, in order; items added while it runs go to the next turn', async () => {
  const batch = new TurnBatch(() => assert.fail('no item throws'));
  const ran: string[] = [];
  batch.add({ run: () => ran.push('a') });
  batch.add({ run: () => {
    ran.push('b');
    batch.add({ run: () => ran.push('c (next turn)') });
  } });
  assert.deepEqual(ran, [], 'nothing runs in the turn that queued it');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ran, ['a', 'b']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ran, ['a', 'b', 'c (next turn)']);
});

test('turn batch: an item that throws does not strand the rest of its batch (the error goes to onError)', async () => {
  const errors: unknown[] = [];
  const batch = new TurnBatch((error) => errors.push(error));
  const ran: string[] = [];
  batch.add({ run: () => { throw new Error('boom'); } });
  batch.add({ run: () => ran.push('after') });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ran, ['after']);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /boom/);
});
