import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeRatios, defaultCompare, figureOf, summarisePeer, type PeerResult } from './results.js';
import type { Sample } from './suite.js';

const table = (p50: number, p99: number) => ({ points: [{ p: 50, ms: p50 }, { p: 99, ms: p99 }, { p: 99.9, ms: p99 * 2 }] });

test('summarisePeer: median rate over rounds, CPU per 10k operations, median extras', () => {
  const samples: Sample[] = [
    { operations: 1000, elapsedMs: 1000, errors: 1, latency: table(1, 5), extra: { hit: 0.9 } },
    { operations: 3000, elapsedMs: 1000, latency: table(2, 6), extra: { hit: 0.8 } },
    { operations: 2000, elapsedMs: 1000, latency: table(3, 7), extra: { hit: 0.7 } },
  ];
  const row = summarisePeer('haproxy', samples, [0.1, 0.3, 0.2]);
  assert.equal(row.status, 'ok');
  assert.equal(row.rate, 2000);
  assert.deepEqual(row.rates, [1000, 3000, 2000]);
  assert.equal(row.operations, 6000);
  assert.equal(row.errors, 1);
  assert.ok(Math.abs((row.cpuPer10k as number) - 1) < 1e-9); // 0.6 s for 6000 ops → 1 s per 10k
  assert.equal(row.p50, 2);
  assert.equal(row.p99, 6);
  assert.equal(row.extra?.hit, 0.8);
});

test('summarisePeer leaves CPU out when a round could not read it', () => {
  const row = summarisePeer('direct', [{ operations: 10, elapsedMs: 1000 }], [undefined]);
  assert.equal(row.cpuPer10k, undefined);
  assert.equal(row.p99, undefined);
});

test('computeRatios: subject/peer and peer/baseline; null where a side is missing', () => {
  const ok = (peer: string, rate: number, p99: number): PeerResult => ({ peer, status: 'ok', rate, p99 });
  const peers: PeerResult[] = [ok('direct', 1000, 1), ok('haproxy', 500, 2), ok('tiered', 250, 4), { peer: 'varnish', status: 'unavailable', note: 'x' }];
  const { ratios, vsBaseline, addedP99Ms } = computeRatios(peers, ['rate', 'p99'], 'tiered', 'direct');
  assert.deepEqual(addedP99Ms, { haproxy: 1, tiered: 3, varnish: null });
  assert.deepEqual(ratios.haproxy, { rate: 0.5, p99: 2 });
  assert.deepEqual(ratios.direct, { rate: 0.25, p99: 4 });
  assert.deepEqual(ratios.varnish, { rate: null, p99: null });
  assert.equal(ratios.tiered, undefined);
  assert.deepEqual(vsBaseline.tiered, { rate: 0.25, p99: 4 });
  assert.equal(vsBaseline.direct, undefined);
});

test('a pending subject gives null ratios, never a crash', () => {
  const peers: PeerResult[] = [{ peer: 'haproxy', status: 'ok', rate: 10 }, { peer: 'tiered', status: 'pending', note: 'later' }];
  assert.deepEqual(computeRatios(peers, ['rate'], 'tiered').ratios.haproxy, { rate: null });
});

test('figureOf reads named figures and extra keys; defaultCompare follows the model', () => {
  const row: PeerResult = { peer: 'a', status: 'ok', rate: 1, p50: 2, p99: 3, p999: 4, cpuPer10k: 5, extra: { hits: 6 } };
  assert.deepEqual(['rate', 'p50', 'p99', 'p999', 'cpu', 'hits', 'nope'].map((f) => figureOf(row, f)), [1, 2, 3, 4, 5, 6, undefined]);
  assert.deepEqual(defaultCompare('closed'), ['rate']);
  assert.deepEqual(defaultCompare('open'), ['p99']);
});
