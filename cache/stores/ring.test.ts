import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcachedPlacement } from './ring.js';
import { memcachedExpiry } from './memcached.js';

const servers = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:11211`);
const keys = Array.from({ length: 20_000 }, (_, i) => `user:${i}`);

test('keys spread over every server, none with more than twice its share', () => {
  const ring = memcachedPlacement(servers(4));
  const counts = [0, 0, 0, 0];
  for (const key of keys) counts[ring.locate(key)]++;
  for (const c of counts) assert.ok(c > keys.length / 8 && c < keys.length / 2, `unbalanced: ${counts}`);
});

test('adding a 5th server to 4 moves about a fifth of the keys, all of them to the new server', () => {
  const before = memcachedPlacement(servers(4));
  const after = memcachedPlacement(servers(5));
  let moved = 0;
  for (const key of keys) {
    const a = before.locate(key);
    const b = after.locate(key);
    if (a !== b) {
      moved++;
      assert.equal(b, 4, 'a key may only move to the new server');
    }
  }
  const share = moved / keys.length;
  assert.ok(share > 0.1 && share < 0.3, `moved share ${share}`);
});

test('the same servers give the same placement (deterministic) and one server owns everything', () => {
  const a = memcachedPlacement(servers(3));
  const b = memcachedPlacement(servers(3));
  for (const key of keys.slice(0, 500)) assert.equal(a.locate(key), b.locate(key));
  const one = memcachedPlacement(servers(1));
  assert.equal(one.locate('x'), 0);
  assert.throws(() => memcachedPlacement([]), RangeError);
});

test('memcached expiry: seconds up to 30 days, a Unix time beyond (memcached\'s rule)', () => {
  assert.equal(memcachedExpiry(1), 1);
  assert.equal(memcachedExpiry(90_000), 90);
  assert.equal(memcachedExpiry(0), 0);
  const now = 1_800_000_000_000;
  assert.equal(memcachedExpiry(31 * 86_400_000, now), 1_800_000_000 + 31 * 86_400);
});
