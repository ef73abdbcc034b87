import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { JobDefinitionError } from '../errors.js';
import { backoffDelay, defineJob, isJobDefinition } from './define.js';

test('defineJob fills defaults and parses durations', () => {
  const job = defineJob({ name: 'mail.send', schema: z.object({}), handler: () => {}, timeout: '2s', rateLimit: { max: 10, duration: '1s' } });
  assert.equal(job.attempts, 3);
  assert.deepEqual(job.backoff, { type: 'exponential', delay: 1_000, jitter: 0.5 });
  assert.equal(job.timeoutMs, 2_000);
  assert.deepEqual(job.rateLimit, { max: 10, duration: 1_000 });
  assert.ok(isJobDefinition(job));
  assert.ok(!isJobDefinition({ name: 'mail.send' }));
});

test('defineJob rejects bad names and options with the job named', () => {
  assert.throws(() => defineJob({ name: 'a:b', schema: z.object({}), handler: () => {} }), JobDefinitionError);
  assert.throws(() => defineJob({ name: 'x', schema: z.object({}), handler: () => {}, attempts: 0 }), /job "x": attempts/);
  assert.throws(() => defineJob({ name: 'x', schema: z.object({}), handler: () => {}, backoff: { delay: 1, jitter: 2 } }), /jitter/);
  assert.throws(() => defineJob({ name: 'x', schema: z.object({}), handler: () => {}, priority: 0 }), /priority/);
});

test('backoff doubles per retry and jitter stays within its share', () => {
  const b = { delay: 1_000, jitter: 0.5 };
  assert.equal(backoffDelay(b, 1, () => 0), 500);
  assert.equal(backoffDelay(b, 1, () => 0.999999), 999);
  assert.equal(backoffDelay(b, 3, () => 0), 2_000);
  assert.equal(backoffDelay({ delay: 1_000, jitter: 0 }, 4, () => 0.7), 8_000);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(b, 2);
    assert.ok(d >= 1_000 && d < 2_000);
  }
});
