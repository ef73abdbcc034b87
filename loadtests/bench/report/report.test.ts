import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScenarioResult, SuiteResult } from '../results.js';
import { percentileX, renderSvg, yTicks } from './svg.js';
import { formatMs, formatRate, formatRatio, formatSpread, renderMarkdown, renderText } from './table.js';
import { fileStamp } from './write.js';

const points = (base: number) => [0, 50, 90, 99, 99.9, 100].map((p) => ({ p, ms: base * (1 + p / 10) }));

function scenario(): ScenarioResult {
  return {
    name: 'latency',
    title: 'open model at 1000 req/s',
    unit: 'req',
    model: 'open',
    subject: 'tiered',
    baseline: 'direct',
    compare: ['p99'],
    extraColumns: [{ key: 'hit', label: 'hit ratio', digits: 3 }],
    durationMs: 1000,
    warmupMs: 500,
    rounds: 1,
    peers: [
      { peer: 'direct', status: 'ok', rate: 1000, p50: 1, p99: 2, p999: 3, latency: { points: points(1) }, errors: 0 },
      { peer: 'haproxy', status: 'ok', rate: 999.5, p50: 1.2, p99: 2.5, p999: 4, cpuPer10k: 0.5, latency: { points: points(1.2) }, errors: 2, extra: { hit: 0.25 }, description: 'HAProxy <2.6>' },
      { peer: 'tiered', status: 'pending', note: 'lands with issue 4' },
    ],
    ratios: { direct: { p99: null }, haproxy: { p99: null } },
    vsBaseline: { haproxy: { p99: 1.25 }, tiered: { p99: null } },
    addedP99Ms: { haproxy: 0.5, tiered: null },
  };
}

test('number formats', () => {
  assert.equal(formatRate(12345.6), '12,346');
  assert.equal(formatRate(12.345), '12.35');
  assert.equal(formatRate(undefined), '–');
  assert.equal(formatMs(0.04213), '0.0421');
  assert.equal(formatMs(123.4), '123');
  assert.equal(formatRatio(1.234), '1.23×');
  assert.equal(formatRatio(null), '–');
});

test('text table: one row per peer, ratios, the pending note, descriptions', () => {
  const text = renderText('gateway', scenario());
  const lines = text.split('\n');
  assert.match(lines[0], /gateway · latency: open model at 1000 req\/s \(1 round × 1\.0 s/);
  assert.match(lines[1], /peer\s+req\/s\s+p50 ms\s+p99 ms\s+p99\.9 ms\s+cpu s\/10k\s+errors\s+hit ratio\s+tiered\/peer p99\s+peer\/direct p99\s+\+p99 ms vs direct/);
  assert.match(text, /haproxy\s+1,000\s+1\.20\s+2\.50\s+4\.00\s+0\.500\s+2\s+0\.250\s+–\s+1\.25×\s+\+0\.500/);
  assert.match(text, /tiered\s+\(pending: lands with issue 4\)/);
  assert.match(text, /haproxy: HAProxy <2\.6>/);
});

test('a spread column appears with several rounds', () => {
  const s = { ...scenario(), rounds: 3 };
  s.peers[0] = { ...s.peers[0], rates: [900, 1000, 1100] };
  const text = renderText('gateway', s);
  assert.match(text.split('\n')[1], /req\/s\s+spread\s+p50 ms/);
  assert.match(text, /direct\s+1,000\s+±10%/);
  assert.equal(formatSpread([5], 5), '–');
});

test('measurement warnings are printed under the table', () => {
  const s = scenario();
  s.peers[1] = { ...s.peers[1], notes: [{ tool: 'x' }, { tool: 'x', warning: 'achieved 500 of 1000 req/s offered' }], note: 'round 3: timeout' };
  const text = renderText('gateway', s);
  assert.match(text, /! haproxy: round 2: achieved 500 of 1000 req\/s offered; round 3: timeout/);
  assert.match(renderMarkdown('gateway', s), /- ⚠ haproxy: round 2/);
});

test('markdown table has a header separator and escapes pipes', () => {
  const s = scenario();
  s.peers[1].peer = 'a|b';
  const md = renderMarkdown('gateway', s);
  assert.match(md, /^### gateway · latency/);
  assert.match(md, /\| --- \| ---: \|/);
  assert.match(md, /a\\\|b/);
});

test('svg: one path per measured peer, escaped labels, percentile axis', () => {
  const result: SuiteResult = {
    suite: 'gateway', title: 't', quick: true, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
    machine: { cpus: 2 }, versions: { node: '24' }, options: {}, scenarios: [scenario(), { ...scenario(), name: 'throughput', model: 'closed', peers: [{ peer: 'x<y', status: 'ok', rate: 10 }] }],
  };
  const svg = renderSvg(result);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.match(svg, />99\.9%</);
  assert.match(svg, /x&lt;y/);
  assert.ok(!svg.includes('x<y'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(percentileX(0), 0);
  assert.ok(Math.abs(percentileX(99) - 2) < 1e-9);
  assert.ok(Number.isFinite(percentileX(100)));
});

test('log-scale ticks: 1-2-5 per decade, decades only over wide ranges', () => {
  assert.deepEqual(yTicks(true, 0.9, 21, 0), [1, 2, 5, 10, 20]);
  assert.deepEqual(yTicks(true, 0.05, 20_000, 0), [0.1, 1, 10, 100, 1000, 10000]);
  assert.deepEqual(yTicks(false, 0, 10, 10), [0, 2, 4, 6, 8, 10]);
});

test('fileStamp makes ISO times safe for file names', () => {
  assert.equal(fileStamp('2026-11-23T22:40:05.123Z'), '2026-11-23T22-40-05Z');
});
