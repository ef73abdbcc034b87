import { test } from 'node:test';
import assert from 'node:assert/strict';
import { L1 } from './l1.js';
import type { Entry } from './envelope.js';

const entry = (freshUntil: number, tags: Record<string, string> = {}): Entry => ({
  createdAt: 0, freshUntil, staleUntil: freshUntil + 1000, delta: 1, tags, negative: false, value: 'v',
});

test('serves fresh entries only, bounded by its own ttl', async () => {
  const l1 = new L1({ maxEntries: 10, ttlMs: 60_000 });
  l1.set('a', entry(Date.now() + 10_000), Date.now(), l1.epoch);
  assert.equal(l1.get('a', Date.now())?.value, 'v');
  assert.equal(l1.get('a', Date.now() + 20_000), undefined);
});

test('key deletes, tag bumps and clear all take effect; a racing fill is dropped', () => {
  const l1 = new L1({ maxEntries: 10, ttlMs: 60_000 });
  const now = Date.now();
  l1.set('a', entry(now + 10_000, { t: '1' }), now, l1.epoch);
  l1.set('b', entry(now + 10_000, { u: '1' }), now, l1.epoch);
  l1.bumpTags({ t: '2' });
  assert.equal(l1.get('a', now), undefined);
  assert.equal(l1.get('b', now)?.value, 'v');
  const epoch = l1.epoch;
  l1.deleteKeys(['b']);
  assert.equal(l1.get('b', now), undefined);
  l1.set('b', entry(now + 10_000), now, epoch); // fill that began before the delete
  assert.equal(l1.get('b', now), undefined);
  l1.set('c', entry(now + 10_000), now, l1.epoch);
  l1.clear();
  assert.equal(l1.size, 0);
});
