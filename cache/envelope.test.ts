import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntry, encodeEntry, jsonSerializer, type Entry } from './envelope.js';
import { DecodeError } from './errors.js';

const base = { createdAt: 1, freshUntil: 2, staleUntil: 3, delta: 4 };

test('round-trips value, times, tags and the negative flag', () => {
  const entry: Entry = { ...base, tags: { 'user:1': '77' }, negative: false, value: { name: 'Ada', n: [1, 2] } };
  assert.deepEqual(decodeEntry('k', encodeEntry(entry, jsonSerializer), jsonSerializer), entry);
  const miss: Entry = { ...base, tags: {}, negative: true, value: undefined };
  assert.deepEqual(decodeEntry('k', encodeEntry(miss, jsonSerializer), jsonSerializer), miss);
  const nul: Entry = { ...base, tags: {}, negative: false, value: null };
  assert.equal(decodeEntry('k', encodeEntry(nul, jsonSerializer), jsonSerializer).value, null);
});

test('foreign or corrupt bytes give a DecodeError naming the key', () => {
  assert.throws(() => decodeEntry('user:1', Buffer.from('hello'), jsonSerializer), (e: unknown) =>
    e instanceof DecodeError && e.code === 'TIERED_ERR_CACHE_DECODE' && /user:1/.test(e.message));
  const good = encodeEntry({ ...base, tags: {}, negative: false, value: 'x' }, jsonSerializer);
  assert.throws(() => decodeEntry('k', good.subarray(0, good.length - 2), jsonSerializer), DecodeError);
});

test('a pluggable serializer is used for the payload', () => {
  const upper = { serialize: (v: unknown) => Buffer.from(String(v).toUpperCase()), deserialize: (b: Buffer) => b.toString() };
  const bytes = encodeEntry({ ...base, tags: {}, negative: false, value: 'abc' }, upper);
  assert.equal(decodeEntry('k', bytes, upper).value, 'ABC');
});
