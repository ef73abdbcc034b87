import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eligible, slowstartWeight, type PoolMember } from './eligible.js';

const member = (id: string, over: Partial<PoolMember> = {}): PoolMember =>
  ({ id, weight: 1, inFlight: 0, maxconn: 0, admin: 'ready', healthy: true, backup: false, trial: false, ...over });
const ids = (set: { servers: PoolMember[] }) => set.servers.map((s) => s.id);
const opts = { panicThreshold: 0.5 };

describe('eligible set', () => {
  test('drain and maint servers take no new requests', () => {
    const set = eligible([member('a'), member('b', { admin: 'drain' }), member('c', { admin: 'maint' }), member('d')], opts);
    assert.deepEqual(ids(set), ['a', 'd']);
    assert.equal(set.mode, 'normal');
  });

  test('unhealthy servers are skipped while enough are healthy', () => {
    const set = eligible([member('a'), member('b', { healthy: false }), member('c')], opts);
    assert.deepEqual(ids(set), ['a', 'c']);
  });

  test('weight 0 takes no traffic', () => {
    assert.deepEqual(ids(eligible([member('a', { weight: 0 }), member('b')], opts)), ['b']);
  });

  test('backup servers only when no primary is up', () => {
    const backups = [member('x', { backup: true }), member('y', { backup: true, healthy: false })];
    assert.deepEqual(ids(eligible([member('a'), ...backups], opts)), ['a']);
    const set = eligible([member('a', { healthy: false }), ...backups], opts);
    assert.deepEqual(ids(set), ['x']);
    assert.equal(set.mode, 'backup');
  });

  test('panic: below the threshold, balance across all ready primaries', () => {
    const pool = [member('a'), member('b', { healthy: false }), member('c', { healthy: false }), member('d', { admin: 'maint' })];
    const set = eligible(pool, opts);
    assert.equal(set.mode, 'panic');
    assert.deepEqual(ids(set), ['a', 'b', 'c']);
  });

  test('panic can be switched off', () => {
    const pool = [member('a'), member('b', { healthy: false }), member('c', { healthy: false })];
    const set = eligible(pool, { panicThreshold: 0 });
    assert.equal(set.mode, 'normal');
    assert.deepEqual(ids(set), ['a']);
    assert.equal(eligible([member('a', { healthy: false })], { panicThreshold: 0 }).mode, 'empty');
  });

  test('at exactly the threshold there is no panic', () => {
    assert.equal(eligible([member('a'), member('b', { healthy: false })], opts).mode, 'normal');
  });

  test('maxconn: full servers are skipped; all full → saturated (queue, not fail)', () => {
    const set = eligible([member('a', { maxconn: 2, inFlight: 2 }), member('b', { maxconn: 2, inFlight: 1 })], opts);
    assert.deepEqual(ids(set), ['b']);
    const full = eligible([member('a', { maxconn: 1, inFlight: 1 })], opts);
    assert.deepEqual(full, { servers: [], mode: 'normal', saturated: true });
  });

  test('a half-open server takes one trial request at a time', () => {
    assert.deepEqual(ids(eligible([member('a', { trial: true }), member('b')], opts)), ['a', 'b']);
    assert.deepEqual(ids(eligible([member('a', { trial: true, inFlight: 1 }), member('b')], opts)), ['b']);
  });

  test('nothing ready at all → empty', () => {
    assert.equal(eligible([member('a', { admin: 'maint' })], opts).mode, 'empty');
  });
});

describe('slowstart', () => {
  test('ramps weight linearly after recovery', () => {
    assert.equal(slowstartWeight(10, 0, 5_000, 10_000), 5);
    assert.equal(slowstartWeight(10, 0, 10_000, 10_000), 10);
    assert.equal(slowstartWeight(10, 0, 0, 10_000), 0.1);
    assert.equal(slowstartWeight(10, -Infinity, 0, 10_000), 10);
    assert.equal(slowstartWeight(10, 0, 1, 0), 10);
  });
});
