// The Node equivalents of the k6 scripts, for machines without k6: the same shape of load
// (constant arrival rate; ramps approximated by steps) with the same __ENV-style parameters and
// the same thresholds, run by the harness's open-model load generator (own process, latency
// from the intended send time). `npm run loadtest -- <script> --node`.
import { parseDuration } from '../../sdk/config/units.js';
import { openLoad } from './loadgen/open.js';
import { newLatencyHistogram, decodeHistogram } from './stats.js';
import { formatMs } from './report/table.js';

export const K6_SCRIPTS = ['smoke', 'load', 'stress', 'spike', 'soak', 'breakpoint'] as const;
export type K6Script = (typeof K6_SCRIPTS)[number];

export interface Step {
  rate: number;
  durationMs: number;
}

export interface Thresholds {
  p95Ms: number;
  p99Ms: number;
  maxFailed: number;
}

export interface EquivalentPlan {
  script: K6Script;
  url: string;
  steps: Step[];
  thresholds: Thresholds;
  /** Stop at the first step that crosses a threshold (breakpoint). */
  stopOnFail: boolean;
}

type Env = Record<string, string | undefined>;

function num(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function dur(env: Env, name: string, fallback: string): number {
  return parseDuration(env[name] || fallback);
}

/** The steps and thresholds of each script, mirroring loadtests/k6/<script>.js. */
export function equivalentPlan(script: K6Script, env: Env): EquivalentPlan {
  const base = (env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const path = (env.PATHS || '/').split(',')[0].trim() || '/';
  const url = `${base}${path.startsWith('/') ? path : `/${path}`}`;
  const th = (p95: number, p99: number, failed: number): Thresholds => ({
    p95Ms: num(env, 'P95_MS', p95),
    p99Ms: num(env, 'P99_MS', p99),
    maxFailed: num(env, 'MAX_FAILED', failed),
  });
  const rate = (fallback: number) => num(env, 'RATE', fallback);
  switch (script) {
    case 'smoke': // 1 VU, one request every 0.5 s
      return { script, url, steps: [{ rate: 2 * num(env, 'VUS', 1), durationMs: dur(env, 'DURATION', '30s') }], thresholds: th(300, 1000, 0.01), stopOnFail: false };
    case 'load':
      return { script, url, steps: [{ rate: rate(100), durationMs: dur(env, 'DURATION', '5m') }], thresholds: th(250, 500, 0.01), stopOnFail: false };
    case 'soak':
      return { script, url, steps: [{ rate: rate(50), durationMs: dur(env, 'DURATION', '2h') }], thresholds: th(250, 500, 0.001), stopOnFail: false };
    case 'stress': {
      const r = rate(100);
      const hold = dur(env, 'DURATION', '3m');
      return { script, url, steps: [r, r * 1.5, r * 2].map((x) => ({ rate: Math.round(x), durationMs: hold })), thresholds: th(1000, 3000, 0.05), stopOnFail: false };
    }
    case 'spike': {
      const r = rate(500);
      const quiet = Math.max(1, Math.round(r / 10));
      return {
        script,
        url,
        steps: [{ rate: quiet, durationMs: 30_000 }, { rate: r, durationMs: dur(env, 'DURATION', '1m') }, { rate: quiet, durationMs: 60_000 }],
        thresholds: th(1000, 3000, 0.05),
        stopOnFail: false,
      };
    }
    case 'breakpoint': {
      const max = num(env, 'MAX_RATE', rate(100) * 20);
      const total = dur(env, 'DURATION', '10m');
      const steps = Array.from({ length: 10 }, (_, i) => ({ rate: Math.max(1, Math.round((max * (i + 1)) / 10)), durationMs: total / 10 }));
      return { script, url, steps, thresholds: { p95Ms: Infinity, p99Ms: num(env, 'P99_MS', 2000), maxFailed: num(env, 'MAX_FAILED', 0.05) }, stopOnFail: true };
    }
  }
}

export interface StepOutcome {
  rate: number;
  operations: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** Threshold verdicts for a set of figures (the same expressions the k6 scripts use). */
export function verdicts(o: Pick<StepOutcome, 'operations' | 'errors' | 'p95Ms' | 'p99Ms'>, t: Thresholds): Array<{ name: string; ok: boolean }> {
  const total = o.operations + o.errors;
  const failed = total ? o.errors / total : 0;
  const out = [
    { name: `http_req_failed rate<${t.maxFailed}`, ok: failed < t.maxFailed },
    { name: `http_req_duration p(99)<${t.p99Ms}`, ok: o.p99Ms < t.p99Ms },
  ];
  if (Number.isFinite(t.p95Ms)) out.unshift({ name: `http_req_duration p(95)<${t.p95Ms}`, ok: o.p95Ms < t.p95Ms });
  return out;
}

/** Runs a plan step by step; prints each step and the verdicts; resolves true when every threshold holds. */
export async function runEquivalent(plan: EquivalentPlan, print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<boolean> {
  const merged = newLatencyHistogram();
  let operations = 0;
  let errors = 0;
  print(`node equivalent of k6 ${plan.script}.js → ${plan.url} (${plan.steps.length} step${plan.steps.length > 1 ? 's' : ''}, open model)`);
  for (const [i, step] of plan.steps.entries()) {
    const r = await openLoad({ url: plan.url, rate: step.rate, durationMs: step.durationMs, connections: 256 });
    const h = decodeHistogram(r.histogram as string);
    merged.add(h);
    operations += r.operations;
    errors += r.errors;
    const at = (p: number) => (h.totalCount ? h.getValueAtPercentile(p) / 1000 : 0);
    const outcome = { operations: r.operations, errors: r.errors, p95Ms: at(95), p99Ms: at(99) };
    print(`  step ${i + 1}: ${step.rate} req/s × ${(step.durationMs / 1000).toFixed(0)} s: ok ${r.operations}, errors ${r.errors}, p50 ${formatMs(at(50))} ms, p95 ${formatMs(at(95))} ms, p99 ${formatMs(at(99))} ms, p99.9 ${formatMs(at(99.9))} ms`);
    if (plan.stopOnFail && verdicts(outcome, plan.thresholds).some((v) => !v.ok)) {
      print(`  breaking point: thresholds crossed at ${step.rate} req/s`);
      break;
    }
  }
  const at = (p: number) => (merged.totalCount ? merged.getValueAtPercentile(p) / 1000 : 0);
  const all = verdicts({ operations, errors, p95Ms: at(95), p99Ms: at(99) }, plan.thresholds);
  print(`  total: ok ${operations}, errors ${errors}, p50 ${formatMs(at(50))} ms, p95 ${formatMs(at(95))} ms, p99 ${formatMs(at(99))} ms, p99.9 ${formatMs(at(99.9))} ms`);
  for (const v of all) print(`    ${v.ok ? '✓' : '✗'} ${v.name}`);
  return plan.stopOnFail ? true : all.every((v) => v.ok);
}
