import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keySpace } from './keys.js';
import { keyProblem } from './store.js';
import { InvalidKeyError } from './errors.js';

test('keys are namespaced per kind and kept readable when memcached can hold them', () => {
  const ks = keySpace('app');
  assert.equal(ks.entry('user:1'), 'app:v:user:1');
  assert.equal(ks.lease('user:1'), 'app:l:user:1');
  assert.equal(ks.tag('user:1'), 'app:t:user:1');
});

test('long keys and keys with spaces are hashed into valid, distinct store keys', () => {
  const ks = keySpace('app');
  const long = 'x'.repeat(300);
  for (const key of [long, 'with space', 'tab\there', 'ünïcødé '.repeat(40)]) {
    const stored = ks.entry(key);
    assert.equal(keyProblem(stored), undefined, stored);
  }
  assert.notEqual(ks.entry(long), ks.entry(long + 'y'));
  assert.throws(() => ks.entry(''), InvalidKeyError);
});
