import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScheduleError } from '../errors.js';
import { defineSchedule } from './define.js';
import { decideTick, tickJobKey } from './policy.js';

const at = Date.parse('2026-01-01T00:00:00Z');

test('starting deadline: a late tick is skipped, an on-time one runs', () => {
  assert.equal(decideTick({ fireTime: at, now: at + 500, startingDeadlineMs: 1_000, policy: 'allow', previousRunning: false }), 'run');
  assert.equal(decideTick({ fireTime: at, now: at + 1_500, startingDeadlineMs: 1_000, policy: 'allow', previousRunning: false }), 'skip-deadline');
  assert.equal(decideTick({ fireTime: at, now: at + 60_000, policy: 'allow', previousRunning: false }), 'run');
});

test('concurrency policies while the previous run is going', () => {
  const facts = { fireTime: at, now: at, previousRunning: true };
  assert.equal(decideTick({ ...facts, policy: 'allow' }), 'run');
  assert.equal(decideTick({ ...facts, policy: 'forbid' }), 'skip-overlap');
  assert.equal(decideTick({ ...facts, policy: 'replace' }), 'replace');
  assert.equal(decideTick({ ...facts, policy: 'forbid', previousRunning: false }), 'run');
});

test('one job key per schedule and fire time', () => {
  assert.equal(tickJobKey('nightly', new Date(at)), 'cron:nightly:2026-01-01T00:00:00.000Z');
});

test('defineSchedule validates pattern, timezone and handler', () => {
  const run = () => {};
  assert.throws(() => defineSchedule({ name: 'x', pattern: '61 * * * *', run }), ScheduleError);
  assert.throws(() => defineSchedule({ name: 'x', pattern: '* * * * *', timezone: 'Mars/Olympus', run }), /unknown timezone/);
  assert.throws(() => defineSchedule({ name: 'x', pattern: '* * * * *' }), /exactly one of job/);
  const def = defineSchedule({ name: 'x', pattern: '*/5 * * * * *', run, startingDeadline: '2s' });
  assert.equal(def.concurrency, 'forbid');
  assert.equal(def.startingDeadlineMs, 2_000);
});
