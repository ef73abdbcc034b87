// The k6 scripts evaluated under Node with stand-ins for k6's built-in modules (k6 itself is not
// installable here): every script must build its options from __ENV without throwing, send its
// requests to BASE_URL with an endpoint tag, check the answers, and produce its summary files.
// Type errors are caught separately by `tsc -p loadtests/k6/tsconfig.json` (@types/k6).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { registerHooks } from 'node:module';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { K6_SCRIPTS } from './bench/k6-equivalent.js';

interface Call {
  url: string;
  params: { tags?: Record<string, string> };
}

const K6_DIR = fileURLToPath(new URL('./k6/', import.meta.url));

/** Every .js under loadtests/k6 except lib/ and the six top-level scripts tested in detail. */
function otherScripts(): string[] {
  const top = new Set(K6_SCRIPTS.map((s) => `${s}.js`));
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'lib' && entry.name !== 'node_modules') walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.isFile() && entry.name.endsWith('.js') && !top.has(`${prefix}${entry.name}`)) out.push(`${prefix}${entry.name}`);
    }
  };
  walk(K6_DIR, '');
  return out.sort();
}

const calls: Call[] = [];
const checks: Array<Record<string, (r: unknown) => boolean>> = [];
const g = globalThis as Record<string, unknown>;

const STUBS: Record<string, string> = {
  k6: `export function check(v, sets) { globalThis.__k6.checks.push(sets); return Object.values(sets).every((f) => f(v)); }
       export function sleep() {}
       export function group(_n, f) { return f(); }
       export default { check, sleep, group };`,
  'k6/http': `export function get(url, params) { globalThis.__k6.calls.push({ url, params }); return { status: 200, body: 'hello', timings: { duration: 1 } }; }
              export default { get };`,
  'k6/metrics': `export class Trend { add() {} } export class Rate { add() {} } export class Counter { add() {} } export class Gauge { add() {} }`,
};

describe('k6 scripts under stand-in k6 modules', () => {
  let hooks: { deregister(): void } | undefined;
  before(() => {
    g.__k6 = { calls, checks };
    g.__ITER = 0;
    g.__VU = 1;
    g.__ENV = { BASE_URL: 'http://127.0.0.1:9999/', RATE: '40', DURATION: '5s', VUS: '3', PATHS: '/,/health', SUMMARY_DIR: '/tmp/k6-out' };
    hooks = registerHooks({
      resolve(specifier, context, next) {
        if (specifier in STUBS) return { url: `data:text/javascript,${encodeURIComponent(STUBS[specifier])}`, shortCircuit: true, format: 'module' };
        return next(specifier, context);
      },
    });
  });
  after(() => hooks?.deregister());

  for (const script of K6_SCRIPTS) {
    test(`${script}.js: options from __ENV, tagged requests to BASE_URL, checks, summary`, async () => {
      calls.length = 0;
      checks.length = 0;
      const mod = (await import(`./k6/${script}.js?t=${script}`)) as {
        options: { thresholds: Record<string, unknown>; scenarios?: Record<string, { executor: string }>; vus?: number; duration?: string };
        default: () => void;
        handleSummary: (data: unknown) => Record<string, string>;
      };
      const { options } = mod;
      assert.ok(options.thresholds.http_req_failed, 'threshold on failed requests');
      assert.ok(options.thresholds.http_req_duration, 'threshold on latency');
      if (options.scenarios) {
        const executors = Object.values(options.scenarios).map((s) => s.executor);
        assert.ok(executors.every((e) => /arrival-rate$/.test(e)), `${script}: open model (${executors})`);
        for (const sc of Object.values(options.scenarios) as Array<Record<string, unknown>>) {
          if (sc.executor === 'constant-arrival-rate') {
            assert.deepEqual([sc.rate, sc.duration, sc.preAllocatedVUs, sc.maxVUs], [40, '5s', 3, 12], `${script}: RATE, DURATION, VUS`);
          } else {
            assert.equal(sc.preAllocatedVUs, 3, `${script}: VUS`);
            assert.ok(Array.isArray(sc.stages) && sc.stages.length > 0);
          }
        }
      } else {
        assert.equal(options.vus, 3);
        assert.equal(options.duration, '5s');
      }
      g.__ITER = 1;
      mod.default();
      assert.equal(calls.length, 1);
      assert.equal(calls[0].url, 'http://127.0.0.1:9999/health', 'BASE_URL without its trailing slash + the second of PATHS');
      assert.equal(calls[0].params.tags?.endpoint, '/health');
      assert.ok(checks.length > 0, 'responses are checked');
      const summary = mod.handleSummary({
        state: { testRunDurationMs: 5000 },
        metrics: { http_req_duration: { type: 'trend', values: { 'p(99)': 12.5, avg: 3 }, thresholds: { 'p(99)<500': { ok: true } } }, http_reqs: { type: 'counter', values: { count: 200, rate: 40 } } },
      });
      assert.deepEqual(Object.keys(summary).sort(), ['/tmp/k6-out/k6-' + script + '-summary.json', '/tmp/k6-out/k6-' + script + '-summary.txt', 'stdout'].sort());
      assert.match(summary.stdout, /http_req_duration\s+p\(99\)=12\.50ms/);
      assert.match(summary.stdout, /✓ p\(99\)<500/);
      assert.equal(JSON.parse(summary[`/tmp/k6-out/k6-${script}-summary.json`]).metrics.http_reqs.values.count, 200);
    });
  }

  // Scripts added later in edge/, platform/, offline/ are picked up here without a list to edit.
  for (const file of otherScripts()) {
    test(`${file}: options with thresholds on latency and failures, a handleSummary, a default or exec functions`, async () => {
      const mod = (await import(`./k6/${file}`)) as Record<string, unknown> & { options: { thresholds?: Record<string, unknown>; scenarios?: Record<string, { exec?: string }> } };
      assert.ok(mod.options.thresholds?.http_req_failed, 'threshold on failed requests');
      assert.ok(mod.options.thresholds?.http_req_duration, 'threshold on latency');
      assert.equal(typeof mod.handleSummary, 'function');
      const execs = Object.values(mod.options.scenarios ?? {}).map((sc) => sc.exec ?? 'default');
      for (const name of execs.length ? execs : ['default']) assert.equal(typeof mod[name], 'function', `exported function ${name}`);
    });
  }

  test('without PATHS the scripts only GET / (smoke.js needs nothing else)', async () => {
    (g.__ENV as Record<string, string>).PATHS = '';
    const configModule = './k6/lib/config.js';
    const config = (await import(configModule)) as { endpoints: () => Array<{ name: string; path: string }> };
    assert.deepEqual(config.endpoints(), [{ name: '/', path: '/' }]);
  });
});
