// @ts-check
// Shared parameters of every k6 script, read from __ENV (k6 run -e NAME=value, or the environment):
//   BASE_URL  where the app behind the gateway answers   (default http://127.0.0.1:8080)
//   RATE      arrival rate, iterations/s (open-model scripts)
//   DURATION  how long the main stage runs (k6 duration: 30s, 5m, 1h)
//   VUS       virtual users (closed-model scripts; pre-allocated VUs for open-model ones)
//   PATHS     comma-separated GET paths to spread the load over (default "/"); each is tagged
//             endpoint=<path> so thresholds and the summary can be read per endpoint
//   P95_MS, P99_MS, MAX_FAILED   threshold overrides (ms, ms, ratio)
// Compatible with k6 v0.45 and newer: plain ES modules, only k6/* built-in modules.

/** @param {string} name @param {number} fallback */
export function envNumber(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

/** @param {string} name @param {string} fallback */
export function envString(name, fallback) {
  const raw = __ENV[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

export const BASE_URL = envString('BASE_URL', 'http://127.0.0.1:8080').replace(/\/+$/, '');

/**
 * The endpoints the scripts hit: [{ name, path }] from PATHS.
 * @returns {{ name: string, path: string }[]}
 */
export function endpoints() {
  return envString('PATHS', '/')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => ({ name: p, path: p.startsWith('/') ? p : `/${p}` }));
}

/**
 * Thresholds on p(95), p(99), failed requests and checks, overall and per endpoint tag.
 * A run that breaks one exits non-zero (k6's exit code 99), so CI fails on it.
 * @param {{ p95?: number, p99?: number, failed?: number, abortOnFail?: boolean }} [defaults]
 * @returns {Record<string, any[]>}
 */
export function thresholds(defaults = {}) {
  // No `??` or `?.`: older k6 (goja) releases do not parse them.
  const p95 = envNumber('P95_MS', defaults.p95 === undefined ? 500 : defaults.p95);
  const p99 = envNumber('P99_MS', defaults.p99 === undefined ? 1500 : defaults.p99);
  const failed = envNumber('MAX_FAILED', defaults.failed === undefined ? 0.01 : defaults.failed);
  const latency = [`p(95)<${p95}`, `p(99)<${p99}`];
  const fail = defaults.abortOnFail
    ? [{ threshold: `rate<${failed}`, abortOnFail: true, delayAbortEval: '10s' }]
    : [`rate<${failed}`];
  /** @type {Record<string, any[]>} */
  const out = {
    http_req_duration: latency,
    http_req_failed: fail,
    checks: ['rate>0.99'],
  };
  for (const e of endpoints()) out[`http_req_duration{endpoint:${e.name}}`] = [`p(99)<${p99}`];
  return out;
}

/** Summary statistics k6 computes for trends (p(99.9) included for tail latency). */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)'];
