import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAutocannonOutput, parseWrkOutput } from './closed.js';
import { loadWarning, toSample } from './open.js';
import { encodeHistogram, newLatencyHistogram } from '../stats.js';

test('parseWrkOutput reads the TIERED_WRK line of wrk-report.lua', () => {
  const output = [
    'Running 1s test @ http://127.0.0.1:1/',
    'TIERED_WRK {"requests":1000,"duration_us":1000000,"errors":3,"status_errors":2,"mean_us":510.5,"points":[{"p":0,"us":100},{"p":50,"us":500},{"p":99,"us":2000},{"p":99.9,"us":4000},{"p":100,"us":9000}]}',
  ].join('\n');
  const r = parseWrkOutput(output);
  assert.equal(r.tool, 'wrk');
  assert.equal(r.operations, 998);
  assert.equal(r.errors, 3);
  assert.equal(r.elapsedMs, 1000);
  assert.deepEqual(r.latency?.points.find((x) => x.p === 99.9), { p: 99.9, ms: 4 });
  assert.equal(r.latency?.maxMs, 9);
  assert.throws(() => parseWrkOutput('wrk: connection refused'), /no summary/);
});

test('parseAutocannonOutput maps p99_9 keys to percentiles and counts non-2xx as errors', () => {
  const json = JSON.stringify({
    requests: { total: 500, average: 500 },
    latency: { min: 0.1, mean: 1.5, max: 30, p50: 1, p90: 2, p99: 5, p99_9: 12, p2_5: 0.2 },
    duration: 1.02,
    errors: 1,
    timeouts: 0,
    non2xx: 4,
  });
  const r = parseAutocannonOutput(`Running 1s test\n${json}\n`);
  assert.equal(r.operations, 496);
  assert.equal(r.errors, 5);
  assert.equal(r.elapsedMs, 1020);
  const ps = r.latency?.points.map((x) => x.p);
  assert.deepEqual(ps, [0, 2.5, 50, 90, 99, 99.9, 100]);
  assert.throws(() => parseAutocannonOutput('nothing'), /no JSON/);
});

test('loadWarning flags a late generator, an unreached rate and a saturated generator', () => {
  const ok = { tool: 'x', operations: 1000, errors: 0, elapsedMs: 1000, offeredRate: 1000, sendLagMs: { p50: 0.5, p99: 1.2 }, loadgenCpuSeconds: 0.2 };
  assert.equal(loadWarning(ok, 1000), undefined);
  assert.match(loadWarning({ ...ok, sendLagMs: { p50: 3, p99: 12 } }) ?? '', /p99 12\.0 ms behind schedule/);
  assert.match(loadWarning({ ...ok, operations: 500 }) ?? '', /achieved 500 of 1000 req\/s/);
  assert.match(loadWarning({ ...ok, loadgenCpuSeconds: 0.95 }, 1000) ?? '', /near 100 % CPU/);
  const sample = toSample({ ...ok, operations: 10, errorKinds: { ECONNREFUSED: 3 } }, 1000);
  assert.equal(sample.notes?.['error ECONNREFUSED'], 3);
  assert.match(String(sample.notes?.warning), /achieved 10/);
  assert.equal(sample.notes?.sendLagP99Ms, 1.2);
});

test('an open-model sample carries the p99 measured from the actual send beside the corrected one', () => {
  const service = newLatencyHistogram();
  for (let i = 1; i <= 100; i++) service.recordValue(i * 10); // 10 µs … 1 ms
  const sample = toSample({ tool: 'x', operations: 100, errors: 0, elapsedMs: 1000, serviceHistogram: encodeHistogram(service) });
  assert.equal(sample.notes?.serviceP99Ms, 0.99);
  assert.equal(toSample({ tool: 'x', operations: 1, errors: 0, elapsedMs: 1 }).notes?.serviceP99Ms, undefined);
});
