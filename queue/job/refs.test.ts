import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobIdForKey, jobLocation, jobRef, parseJobRef } from './refs.js';
import { publicStatus } from './status.js';

test('idempotency keys map one-to-one to ids BullMQ accepts', () => {
  assert.equal(jobIdForKey('order:17'), 'k-order%3A17');
  assert.equal(jobIdForKey('42'), 'k-42');
  assert.notEqual(jobIdForKey('a:b'), jobIdForKey('a%3Ab'));
  assert.ok(!jobIdForKey('x:y:z').includes(':'));
  assert.throws(() => jobIdForKey(''));
});

test('job refs round-trip and locations are encoded', () => {
  assert.equal(jobRef('report', '12'), 'report:12');
  assert.deepEqual(parseJobRef('report:k-a%3Ab'), { name: 'report', id: 'k-a%3Ab' });
  assert.equal(parseJobRef('nocolon'), undefined);
  assert.equal(parseJobRef(':12'), undefined);
  assert.equal(jobLocation('/jobs/', 'report', 'k-a%3Ab'), '/jobs/report:k-a%253Ab');
});

test('BullMQ states fold into four public ones', () => {
  assert.equal(publicStatus('waiting'), 'queued');
  assert.equal(publicStatus('delayed'), 'queued');
  assert.equal(publicStatus('prioritized'), 'queued');
  assert.equal(publicStatus('waiting-children'), 'queued');
  assert.equal(publicStatus('active'), 'active');
  assert.equal(publicStatus('completed'), 'completed');
  assert.equal(publicStatus('failed'), 'failed');
  assert.equal(publicStatus('unknown'), undefined);
});
