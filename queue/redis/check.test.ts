import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessRedisSettings } from './check.js';
import { reconnectDelay } from './connection.js';

test('noeviction is required; AOF off is a warning', () => {
  assert.deepEqual(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'yes', save: '' }), { errors: [], warnings: [] });
  const lru = assessRedisSettings({ maxmemoryPolicy: 'allkeys-lru', appendonly: 'yes', save: '' });
  assert.equal(lru.errors.length, 1);
  assert.match(lru.errors[0], /allkeys-lru.*noeviction/);
  assert.match(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'no', save: '3600 1' }).warnings[0], /AOF is off/);
  assert.match(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'no', save: '' }).warnings[0], /no persistence/);
});

test('workers reconnect forever with a capped backoff', () => {
  assert.equal(reconnectDelay(1), 100);
  assert.equal(reconnectDelay(2), 200);
  assert.equal(reconnectDelay(50), 2_000);
  assert.equal(reconnectDelay(10_000), 2_000);
});
