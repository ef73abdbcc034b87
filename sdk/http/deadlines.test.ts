import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineQueue, type DeadlineEntry } from './deadlines.js';
import { eventually } from '../testing/eventually.js';

const clock = () => performance.now();

function entry(name: string, deadlineAt: number, fired: string[]): DeadlineEntry & { firedAt?: number } {
  const e: DeadlineEntry & { firedAt?: number } = {
    deadlineAt, dlPrev: undefined, dlNext: undefined, dlQueued: false,
    deadlineReached: () => { e.firedAt = clock(); fired.push(name); },
  };
  return e;
}

test('deadlines run in order, each at its time, on one timer; a removed one never runs', async () => {
  const q = new DeadlineQueue(clock);
  const fired: string[] = [];
  const now = clock();
  const a = entry('a', now + 20, fired);
  const b = entry('b', now + 40, fired);
  const c = entry('c', now + 60, fired);
  for (const e of [a, b, c]) assert.equal(q.add(e, now), true);
  q.remove(b);
  assert.equal(q.size, 2);
  await eventually('a fired', () => fired.length >= 1);
  assert.ok(a.firedAt! >= a.deadlineAt - 1, 'not more than 1 ms early');
  await eventually('c fired', () => fired.length >= 2);
  assert.deepEqual(fired, ['a', 'c'], 'in order, and the removed one never');
  assert.ok(c.firedAt! >= c.deadlineAt - 1, `c not early: ${c.firedAt! - c.deadlineAt} ms`);
  // c fired after b's time on the one in-order timer, so b, removed, had its turn and stayed
  // silent; nothing is left to fire later.
  assert.equal(q.size, 0);
});

test('a deadline before the last one queued is refused (the caller keeps its own timer)', () => {
  const q = new DeadlineQueue(clock);
  const now = clock();
  const fired: string[] = [];
  assert.equal(q.add(entry('late', now + 1_000, fired), now), true);
  assert.equal(q.add(entry('early', now + 500, fired), now), false);
  assert.equal(q.size, 1);
});

test('removing the head, the tail or the only entry keeps the list whole', () => {
  const q = new DeadlineQueue(clock);
  const now = clock();
  const fired: string[] = [];
  const es = ['a', 'b', 'c', 'd'].map((n, i) => entry(n, now + 10_000 + i, fired));
  for (const e of es) q.add(e, now);
  q.remove(es[0]);
  q.remove(es[3]);
  q.remove(es[3]); // twice is harmless
  assert.equal(q.size, 2);
  q.remove(es[1]);
  q.remove(es[2]);
  assert.equal(q.size, 0);
  const e = entry('e', now + 5, fired);
  assert.equal(q.add(e, now), true, 'an empty queue takes any deadline');
  q.remove(e);
  assert.equal(q.size, 0);
});
