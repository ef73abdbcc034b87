import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLsn, encodeLsn, entryTooOld, markerKey } from './consistency.js';
import { parseJsonObject, queryObject } from './http.js';
import { InvalidInputError } from './errors.js';
import { safeKey } from './platform.js';

test('entry floors: an entry older than the caller\'s write is skipped; garbage floors count as 0', () => {
  assert.equal(decodeLsn(encodeLsn(123_456_789n)), 123_456_789n);
  assert.equal(decodeLsn('not base36!'), 0n);
  assert.equal(decodeLsn(42), 0n);
  assert.equal(entryTooOld({ l: encodeLsn(100n), v: 1 }, 100n), false);
  assert.equal(entryTooOld({ l: encodeLsn(100n), v: 1 }, 101n), true);
  assert.equal(entryTooOld({ l: encodeLsn(100n), v: 1 }, 0n), false);
  assert.equal(entryTooOld(undefined, 0n), true);
});

test('marker and cache keys: hashed when memcached could not hold them', () => {
  assert.equal(markerKey('ns', 'user:1'), 'ns:pm:user:1');
  assert.match(markerKey('ns', 'a b'), /^ns:pm#[A-Za-z0-9_-]{43}$/);
  assert.match(markerKey('ns', 'x'.repeat(300)), /^ns:pm#/);
  assert.equal(safeKey('user:1'), 'user:1');
  assert.match(safeKey('has space'), /^h:/);
  assert.equal(safeKey('has space'), safeKey('has space'));
});

test('bodies and queries: only JSON objects; the last repeated query name wins', () => {
  assert.deepEqual(parseJsonObject(Buffer.alloc(0)), {});
  assert.deepEqual(parseJsonObject(Buffer.from('{"a":1}')), { a: 1 });
  for (const bad of ['[]', 'null', '"s"', '{', '12']) assert.throws(() => parseJsonObject(Buffer.from(bad)), InvalidInputError);
  assert.deepEqual(queryObject(new URLSearchParams('a=1&a=2&b=')), { a: '2', b: '' });
  assert.equal(Object.getPrototypeOf(queryObject(new URLSearchParams('__proto__=x'))), Object.prototype);
});
