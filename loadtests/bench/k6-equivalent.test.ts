import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { equivalentPlan, K6_SCRIPTS, verdicts } from './k6-equivalent.js';

test('every k6 script exists and has the shared shape (options, thresholds, handleSummary, __ENV via lib)', () => {
  for (const script of K6_SCRIPTS) {
    const source = readFileSync(new URL(`../k6/${script}.js`, import.meta.url), 'utf8');
    assert.match(source, /export const options/, script);
    assert.match(source, /thresholds/, script);
    assert.match(source, /export const handleSummary = summaryHandler\('/, script);
    assert.match(source, /from '\.\/lib\/config\.js'/, script);
    assert.doesNotMatch(source, /from 'https?:/, `${script} must work offline (no remote modules)`);
  }
});

test('plans follow the scripts: defaults, BASE_URL, RATE, DURATION, first of PATHS', () => {
  const smoke = equivalentPlan('smoke', {});
  assert.equal(smoke.url, 'http://127.0.0.1:8080/');
  assert.deepEqual(smoke.steps, [{ rate: 2, durationMs: 30_000 }]);
  const load = equivalentPlan('load', { BASE_URL: 'http://127.0.0.1:9/', RATE: '250', DURATION: '2m', PATHS: 'api/x,/y' });
  assert.equal(load.url, 'http://127.0.0.1:9/api/x');
  assert.deepEqual(load.steps, [{ rate: 250, durationMs: 120_000 }]);
  assert.deepEqual(equivalentPlan('stress', { RATE: '100', DURATION: '10s' }).steps.map((s) => s.rate), [100, 150, 200]);
  assert.deepEqual(equivalentPlan('spike', { RATE: '500' }).steps.map((s) => s.rate), [50, 500, 50]);
  const bp = equivalentPlan('breakpoint', { MAX_RATE: '1000', DURATION: '100s' });
  assert.equal(bp.steps.length, 10);
  assert.deepEqual([bp.steps[0], bp.steps[9]], [{ rate: 100, durationMs: 10_000 }, { rate: 1000, durationMs: 10_000 }]);
  assert.equal(bp.stopOnFail, true);
  assert.throws(() => equivalentPlan('load', { RATE: 'lots' }), /RATE must be a positive number, got "lots"/);
});

test('verdicts mirror the k6 threshold expressions', () => {
  const t = { p95Ms: 100, p99Ms: 200, maxFailed: 0.01 };
  assert.ok(verdicts({ operations: 1000, errors: 5, p95Ms: 50, p99Ms: 150 }, t).every((v) => v.ok));
  const bad = verdicts({ operations: 900, errors: 100, p95Ms: 150, p99Ms: 150 }, t);
  assert.deepEqual(bad.filter((v) => !v.ok).map((v) => v.name), ['http_req_duration p(95)<100', 'http_req_failed rate<0.01']);
  assert.equal(verdicts({ operations: 1, errors: 0, p95Ms: 1e9, p99Ms: 1 }, { ...t, p95Ms: Infinity }).length, 2);
});
