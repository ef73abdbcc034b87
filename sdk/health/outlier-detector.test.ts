import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutlierDetector } from './outlier-detector.js';

function setup(options = {}) {
  let now = 0;
  const detector = new OutlierDetector(options, () => now);
  return { detector, advance: (ms: number) => { now += ms; }, now: () => now };
}

test('consecutive failures eject; a success in between resets the count', () => {
  const { detector } = setup();
  for (let i = 0; i < 4; i++) assert.equal(detector.recordFailure('a', 4), 'pending');
  detector.recordSuccess('a');
  for (let i = 0; i < 4; i++) detector.recordFailure('a', 4);
  assert.equal(detector.state('a'), 'serving');
  assert.equal(detector.recordFailure('a', 4), 'changed');
  assert.equal(detector.state('a'), 'ejected');
});

test('ejection time grows 30 s × n and is capped', () => {
  const { detector, advance, now } = setup({ maxEjectionTime: 75_000 });
  const durations: number[] = [];
  for (let round = 0; round < 4; round++) {
    if (round === 0) for (let i = 0; i < 5; i++) detector.recordFailure('a', 2);
    else detector.recordFailure('a', 2); // the half-open trial fails
    durations.push(detector.ejectedUntil('a')! - now());
    advance(detector.ejectedUntil('a')! - now());
    assert.equal(detector.state('a'), 'half-open');
  }
  assert.deepEqual(durations, [30_000, 60_000, 75_000, 75_000]);
});

test('the ejection count decays while the host serves well', () => {
  const { detector, advance } = setup();
  for (let i = 0; i < 5; i++) detector.recordFailure('a', 2);
  advance(30_000);
  assert.equal(detector.recordSuccess('a'), 'changed');
  advance(10 * 60_000);
  for (let i = 0; i < 5; i++) detector.recordFailure('a', 2);
  assert.equal(detector.ejections('a'), 1);
});

test('at most maxEjectedShare of hosts, but always at least one', () => {
  const { detector } = setup();
  for (const id of ['a', 'b', 'c']) for (let i = 0; i < 5; i++) detector.recordFailure(id, 3);
  assert.equal(detector.ejectedCount(), 1);
  const single = setup().detector;
  for (let i = 0; i < 5; i++) single.recordFailure('only', 1);
  assert.equal(single.state('only'), 'ejected');
});

test('a late success during the ejection does not uneject', () => {
  const { detector } = setup();
  for (let i = 0; i < 5; i++) detector.recordFailure('a', 2);
  assert.equal(detector.recordSuccess('a'), 'unchanged');
  assert.equal(detector.state('a'), 'ejected');
});
