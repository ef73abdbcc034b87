// Unit tests of the edge's pure decisions: keys, Range, conditionals, negotiation, surrogate
// headers, purge bodies, freshness windows, the Redis value format, the memory store's bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import CachePolicy from 'http-cache-semantics';
import { normalTarget, primaryKey, purgeUrlTag, secondaryKey, urlTags, varyNames } from './key.js';
import { rangeFor, ifRangeMatches } from './range.js';
import { notModified } from './conditional.js';
import { negotiate, compressible, variantEtag, varyWithEncoding } from './compress.js';
import { edgeCacheControl, surrogateKeys } from './surrogate.js';
import { parsePurgeBody } from './purge-body.js';
import { EdgePurgeBodyError, EdgeStoredObjectError } from './errors.js';
import { judge, mustRevalidate, requestWantsValidation, type EdgeObject } from './object.js';
import { decodeEntry, encodeEntry } from './redis-store.js';
import { MemoryStore } from './memory-store.js';
import { parseEdgeConfig } from './config.js';
import { addEdgeStats, emptyEdgeStats, hitRatio } from './stats.js';

function object(cacheControl: string, extra: Record<string, string> = {}, ageSeconds = 0): EdgeObject {
  const headers = { 'cache-control': cacheControl, date: new Date(Date.now() - ageSeconds * 1000).toUTCString(), ...extra };
  const policy = new CachePolicy({ method: 'GET', url: '/', headers: { host: 'h' } }, { status: 200, headers: { ...headers, age: String(ageSeconds) } }, { shared: true });
  return { kind: 'object', status: 200, headers, body: Buffer.from('x'), policy, tags: [], encoding: 'identity', base: 0 };
}

test('keys: host normalised, ignored query parameters dropped, the rest sorted; URL tags', () => {
  assert.equal(primaryKey('Example.COM:80', '/a?b=2&a=1&utm_source=x', ['utm_*']), 'example.com/a?a=1&b=2');
  assert.equal(normalTarget('http://x/p?q#frag', []), '/p?q');
  assert.equal(normalTarget('/p?x=1', ['*']), '/p');
  assert.deepEqual(urlTags('h', '/p?b&a'), ['url:/p?a&b', 'url:h/p?a&b']);
  assert.equal(purgeUrlTag('http://H/p?b&a'), 'url:h/p?a&b');
  assert.equal(purgeUrlTag('/p'), 'url:/p');
  assert.deepEqual(varyNames('Accept-Language, accept-encoding ,Accept-Language'), ['accept-encoding', 'accept-language']);
  assert.equal(secondaryKey(['accept-encoding', 'accept-language'], { 'accept-language': ' en   us ' }, 'br'), '\naccept-encoding:br\naccept-language:en us');
});

test('Range: one range served, suffix and open ranges, 416, several ranges or junk ignored', () => {
  assert.deepEqual(rangeFor('bytes=0-3', 10), { kind: 'partial', start: 0, end: 3 });
  assert.deepEqual(rangeFor('bytes=-3', 10), { kind: 'partial', start: 7, end: 9 });
  assert.deepEqual(rangeFor('bytes=5-', 10), { kind: 'partial', start: 5, end: 9 });
  assert.deepEqual(rangeFor('bytes=5-100', 10), { kind: 'partial', start: 5, end: 9 });
  assert.deepEqual(rangeFor('bytes=10-', 10), { kind: 'unsatisfiable' });
  assert.deepEqual(rangeFor('bytes=-0', 10), { kind: 'unsatisfiable' });
  assert.deepEqual(rangeFor('bytes=0-1,3-4', 10), { kind: 'full' });
  assert.deepEqual(rangeFor('items=0-1', 10), { kind: 'full' });
  assert.deepEqual(rangeFor('bytes=5-2', 10), { kind: 'full' });
  assert.ok(ifRangeMatches('"a"', '"a"', undefined));
  assert.ok(!ifRangeMatches('W/"a"', 'W/"a"', undefined), 'If-Range needs a strong validator');
  assert.ok(ifRangeMatches('Mon, 01 Jan 2024 00:00:00 GMT', undefined, 'Mon, 01 Jan 2024 00:00:00 GMT'));
});

test('conditionals: If-None-Match (weak, *, lists) wins over If-Modified-Since', () => {
  assert.ok(notModified({ 'if-none-match': 'W/"x", "y"' }, '"x"', undefined));
  assert.ok(notModified({ 'if-none-match': '*' }, undefined, undefined));
  assert.ok(!notModified({ 'if-none-match': '"z"', 'if-modified-since': 'Tue, 02 Jan 2024 00:00:00 GMT' }, '"x"', 'Mon, 01 Jan 2024 00:00:00 GMT'));
  assert.ok(notModified({ 'if-modified-since': 'Tue, 02 Jan 2024 00:00:00 GMT' }, undefined, 'Mon, 01 Jan 2024 00:00:00 GMT'));
  assert.ok(!notModified({ 'if-modified-since': 'garbage' }, undefined, 'Mon, 01 Jan 2024 00:00:00 GMT'));
});

test('compression: negotiation with q-values, what is text, variant ETag and Vary', () => {
  assert.equal(negotiate('gzip, deflate, br'), 'br');
  assert.equal(negotiate('br;q=0, gzip'), 'gzip');
  assert.equal(negotiate('gzip;q=0.5, br;q=0.4'), 'gzip');
  assert.equal(negotiate('identity'), 'identity');
  assert.equal(negotiate('*'), 'br');
  assert.equal(negotiate(undefined), 'identity');
  assert.ok(compressible('text/html; charset=utf-8') && compressible('application/json') && compressible('image/svg+xml'));
  assert.ok(!compressible('image/png') && !compressible(undefined));
  assert.equal(variantEtag('"a"', 'br'), '"a-br"');
  assert.equal(variantEtag('W/"a"', 'gzip'), 'W/"a-gzip"');
  assert.equal(varyWithEncoding('Accept-Language'), 'Accept-Language, Accept-Encoding');
  assert.equal(varyWithEncoding('accept-encoding'), 'accept-encoding');
});

test('surrogate headers: keys split and bounded; Surrogate-Control stands in for Cache-Control, private kept', () => {
  assert.deepEqual(surrogateKeys(' a  b\ta '), ['a', 'b']);
  assert.equal(surrogateKeys('k '.repeat(1000)).length, 1);
  assert.equal(edgeCacheControl('no-cache', 'max-age=60'), 's-maxage=60');
  assert.equal(edgeCacheControl('private', 'max-age=60, stale-if-error=5'), 'private, s-maxage=60, stale-if-error=5');
  assert.equal(edgeCacheControl('max-age=5', 'bogus'), 'max-age=5');
  assert.equal(edgeCacheControl('max-age=5', 'no-store'), 'no-store');
});

test('purge bodies: keys, urls, all, soft; anything else is an EdgePurgeBodyError naming the field', () => {
  assert.deepEqual(parsePurgeBody('{"keys":["a"]}'), { keys: ['a'], soft: false });
  assert.deepEqual(parsePurgeBody('{"all":true,"soft":true}'), { all: true, soft: true });
  for (const bad of ['', '[]', '{}', '{"keys":[]}', '{"keys":[1]}', '{"all":false}', '{"keys":["a\\u0000"]}', '{"surrogateKeys":["a"]}', 'null']) {
    assert.throws(() => parsePurgeBody(bad), (e: unknown) => e instanceof EdgePurgeBodyError && e.code === 'TIERED_ERR_EDGE_PURGE_BODY', bad);
  }
});

test('freshness: fresh, grace (origin swr or config), stale; must-revalidate and no-cache never stale; soft purge', () => {
  const windows = { grace: 10_000, keep: 60_000 };
  assert.equal(judge(object('max-age=60'), windows).state, 'fresh');
  assert.equal(judge(object('max-age=60', {}, 65), windows).state, 'grace');
  assert.equal(judge(object('max-age=60', {}, 75), windows).state, 'stale');
  assert.ok(judge(object('max-age=60', {}, 75), windows).staleIfError);
  assert.ok(!judge(object('max-age=60', {}, 200), windows).staleIfError);
  assert.equal(judge(object('max-age=60, stale-while-revalidate=30', {}, 85), windows).state, 'grace');
  assert.equal(judge(object('max-age=60, must-revalidate', {}, 61), windows).state, 'stale');
  assert.ok(!judge(object('max-age=60, must-revalidate', {}, 61), windows).staleIfError);
  assert.equal(judge(object('s-maxage=60', {}, 65), windows).state, 'stale', 's-maxage: no default grace');
  assert.ok(!judge(object('s-maxage=60', {}, 65), windows).staleIfError);
  assert.equal(judge(object('s-maxage=60, stale-while-revalidate=30', {}, 65), windows).state, 'grace');
  const soft = object('max-age=60');
  soft.softPurged = true;
  assert.equal(judge(soft, windows).state, 'grace');
  assert.ok(mustRevalidate('no-cache') && !mustRevalidate('max-age=1'));
  assert.ok(requestWantsValidation({ 'cache-control': 'max-age=0' }, 1));
  assert.ok(requestWantsValidation({ pragma: 'no-cache' }, 0));
  assert.ok(!requestWantsValidation({ 'cache-control': 'max-age=100' }, 1));
});

test('the Redis value format reads back; a foreign value is an EdgeStoredObjectError', () => {
  const o = object('max-age=60', { etag: '"e"' });
  o.tags = ['key:a'];
  const back = decodeEntry('k', encodeEntry(o));
  assert.equal(back.kind, 'object');
  if (back.kind === 'object') {
    assert.equal(back.body.toString(), 'x');
    assert.equal(back.headers.etag, '"e"');
    assert.ok(back.policy.maxAge() === 60);
  }
  for (const raw of [Buffer.alloc(2), Buffer.from([0, 0, 0, 50, 1]), Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from('{}')]), Buffer.concat([Buffer.from([0, 0, 0, 4]), Buffer.from('nope')])]) {
    assert.throws(() => decodeEntry('k', raw), EdgeStoredObjectError);
  }
});

test('memory store: bounded by bytes, tags follow evictions, soft and hard purges', () => {
  const store = new MemoryStore(10_000, 5_000);
  for (let i = 0; i < 50; i++) {
    const o = object('max-age=60');
    o.body = Buffer.alloc(1000);
    o.tags = [`key:t${i % 2}`];
    store.set(`k${i}`, o, 60_000);
    assert.ok(store.size().bytes <= 10_000);
  }
  const left = store.size().objects;
  assert.ok(left > 0 && left < 50);
  assert.equal(store.purgeTags(['key:t0', 'key:t1'], true), left);
  assert.equal(store.size().objects, left, 'soft purge keeps objects');
  assert.equal(store.purgeTags(['key:t0', 'key:t1'], false), left);
  assert.equal(store.size().objects, 0);
  const big = object('max-age=60');
  big.body = Buffer.alloc(200_000);
  store.set('big', big, 60_000);
  assert.equal(store.get('big'), undefined, 'over maxObjectBytes: not kept');
});

test('config: defaults, sizes and durations, redis required for store: redis', () => {
  const c = parseEdgeConfig({ maxBytes: '64mb', grace: '5s' });
  assert.equal(c.maxBytes, 64 * 1024 * 1024);
  assert.equal(c.grace, 5000);
  assert.equal(c.store, 'memory');
  assert.throws(() => parseEdgeConfig({ store: 'redis' }), /redis/);
  assert.throws(() => parseEdgeConfig({ maxBytes: '1kb', maxObjectBytes: '2kb' }), /maxObjectBytes|at most/);
});

test('stats: workers summed (max kept), hit ratio', () => {
  const a = { ...emptyEdgeStats(), hits: 3, misses: 1, purgeMsMax: 4 };
  const b = { ...emptyEdgeStats(), hits: 1, stale: 1, purgeMsMax: 2 };
  const sum = addEdgeStats(a, b);
  assert.equal(sum.hits, 4);
  assert.equal(sum.purgeMsMax, 4);
  assert.equal(hitRatio(sum), 5 / 6);
});
