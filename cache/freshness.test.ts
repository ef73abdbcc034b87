import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, entryTimes, jitteredTtl, shouldRefreshEarly, tagsCurrent } from './freshness.js';

test('classify: fresh before expiry, stale in grace, expired after', () => {
  const e = entryTimes(1000, 500, 200, 10);
  assert.equal(classify(e, 1000), 'fresh');
  assert.equal(classify(e, 1499), 'fresh');
  assert.equal(classify(e, 1500), 'stale');
  assert.equal(classify(e, 1699), 'stale');
  assert.equal(classify(e, 1700), 'expired');
  assert.equal(classify(entryTimes(0, 100, 0, 0), 100), 'expired');
});

test('XFetch: never early far from expiry, always at expiry edge, likelier for slow loads', () => {
  const e = entryTimes(0, 60_000, 0, 100);
  const rand = (v: number) => () => v;
  assert.equal(shouldRefreshEarly(e, 1000, rand(0.5)), false); // gap 69ms, 59s left
  assert.equal(shouldRefreshEarly(e, 59_990, rand(0.5)), true); // gap 69ms, 10ms left
  assert.equal(shouldRefreshEarly(e, 60_000, rand(0.5)), false); // stale: not "early"
  assert.equal(shouldRefreshEarly(e, 59_990, rand(0.5), 0), false); // beta 0 disables
  // a random of 0 must not blow up (ln 0): it means "refresh now"
  assert.equal(shouldRefreshEarly(e, 1000, rand(0)), true);
  let seed = 1;
  const lcg = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const rate = (delta: number, now: number) => {
    let n = 0;
    for (let i = 0; i < 10_000; i++) if (shouldRefreshEarly(entryTimes(0, 60_000, 0, delta), now, lcg)) n++;
    return n / 10_000;
  };
  assert.ok(rate(1000, 59_000) > rate(100, 59_000), 'slower loads refresh earlier');
  assert.ok(rate(1000, 59_500) > rate(1000, 55_000), 'closer to expiry refreshes more');
  const atOneDelta = rate(1000, 59_000); // P = P(-ln r >= 1) = e^-1
  assert.ok(Math.abs(atOneDelta - Math.exp(-1)) < 0.03, `rate ${atOneDelta}`);
});

test('TTL jitter only shortens, by at most the jitter share', () => {
  assert.equal(jitteredTtl(1000, 0.1, () => 0), 1000);
  assert.equal(jitteredTtl(1000, 0.1, () => 0.5), 950);
  assert.equal(jitteredTtl(1000, 0.1, () => 0.999999), 900);
  assert.equal(jitteredTtl(1000, 0, () => 0.5), 1000);
  assert.equal(jitteredTtl(0, 0.5, () => 0.5), 0);
});

test('tagsCurrent: every recorded tag version must still be current', () => {
  assert.equal(tagsCurrent({}, {}), true);
  assert.equal(tagsCurrent({ a: '5' }, { a: '5', b: '1' }), true);
  assert.equal(tagsCurrent({ a: '5' }, { a: '6' }), false);
  assert.equal(tagsCurrent({ a: '5' }, {}), false); // version lost (evicted): treat as stale
});
