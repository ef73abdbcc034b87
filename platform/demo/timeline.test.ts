import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeNewest } from './timeline.js';

test('mergeNewest: newest first, duplicates once, bounded', () => {
  const a = [{ id: 9 }, { id: 5 }, { id: 1 }];
  const b = [{ id: 7 }, { id: 5 }, { id: 2 }];
  assert.deepEqual(mergeNewest([a, b], 4).map((p) => p.id), [9, 7, 5, 2]);
  assert.deepEqual(mergeNewest([], 3), []);
});
