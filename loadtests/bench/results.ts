// The result model of a run and the pure functions that build it from samples: per-peer
// summaries (median rate over rounds, merged latency, CPU per 10k operations) and the ratios
// subject/peer (Tiered's row over each peer) and peer/baseline (each peer over e.g. direct).
import { combineLatency, median, percentileOf } from './stats.js';
import type { ExtraColumn, Figure, PercentileTable, Sample } from './suite.js';

export type PeerStatus = 'ok' | 'pending' | 'unavailable' | 'failed' | 'interrupted';

export interface PeerResult {
  peer: string;
  description?: string;
  status: PeerStatus;
  /** Why the row has no figures (pending, unavailable, failed). */
  note?: string;
  /** Operations per second: median over rounds. */
  rate?: number;
  /** Per-round rates, to read the noise. */
  rates?: number[];
  operations?: number;
  errors?: number;
  p50?: number;
  p99?: number;
  p999?: number;
  latency?: PercentileTable;
  /** CPU seconds of the peer's process tree per 10,000 operations. */
  cpuPer10k?: number;
  extra?: Record<string, number>;
  notes?: Array<Record<string, string | number>>;
}

export type RatioRow = Record<string, number | null>;

export interface ScenarioResult {
  name: string;
  title: string;
  unit: string;
  model: 'open' | 'closed' | 'custom';
  subject?: string;
  baseline?: string;
  compare: string[];
  extraColumns: ExtraColumn[];
  durationMs: number;
  warmupMs: number;
  rounds: number;
  peers: PeerResult[];
  /** subject/peer for each compared figure, per peer (null when either side is missing). */
  ratios: Record<string, RatioRow>;
  /** peer/baseline for each compared figure, per peer. */
  vsBaseline: Record<string, RatioRow>;
  /** p99 of the peer minus p99 of the baseline, ms (latency a proxy adds), per peer. */
  addedP99Ms: Record<string, number | null>;
}

export interface SuiteResult {
  suite: string;
  title: string;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  options: Record<string, string | number | boolean>;
  scenarios: ScenarioResult[];
}

/** Default compared figures: throughput for closed-model scenarios, tail latency for open ones. */
export function defaultCompare(model: 'open' | 'closed' | 'custom'): Figure[] {
  return model === 'open' ? ['p99'] : model === 'closed' ? ['rate'] : ['rate', 'p99'];
}

/** Summarises the measured rounds of one peer. `cpuSeconds[i]` belongs to `samples[i]`. */
export function summarisePeer(
  peer: string, samples: Sample[], cpuSeconds: Array<number | undefined>, description?: string, columns: readonly ExtraColumn[] = [],
): PeerResult {
  const rates = samples.map((s) => (s.elapsedMs > 0 ? (s.operations * 1000) / s.elapsedMs : 0));
  const operations = samples.reduce((n, s) => n + s.operations, 0);
  const errors = samples.reduce((n, s) => n + (s.errors ?? 0), 0);
  const latency = combineLatency(samples);
  const known = cpuSeconds.filter((c): c is number => c !== undefined);
  const cpuPer10k = known.length === samples.length && operations > 0 ? (known.reduce((a, b) => a + b, 0) * 10_000) / operations : undefined;
  const keys = [...new Set(samples.flatMap((s) => Object.keys(s.extra ?? {})))];
  // An extra figure is the median of the rounds, or the worst round where its column says so.
  const aggregate = (k: string, values: number[]) => (columns.find((c) => c.key === k)?.aggregate === 'max' ? Math.max(...values) : median(values) as number);
  const extra = Object.fromEntries(keys.map((k) => [k, aggregate(k, samples.map((s) => s.extra?.[k]).filter((v): v is number => v !== undefined))]));
  const notes = samples.some((s) => s.notes) ? samples.map((s) => s.notes ?? {}) : [];
  return {
    peer,
    description,
    status: 'ok',
    rate: median(rates),
    rates,
    operations,
    errors,
    p50: percentileOf(latency, 50),
    p99: percentileOf(latency, 99),
    p999: percentileOf(latency, 99.9),
    latency,
    cpuPer10k,
    extra: keys.length ? extra : undefined,
    notes: notes.length ? notes : undefined,
  };
}

/** The value of a figure (or an extra key) in a peer's row. */
export function figureOf(row: PeerResult | undefined, figure: string): number | undefined {
  if (!row || row.status !== 'ok') return undefined;
  switch (figure) {
    case 'rate':
      return row.rate;
    case 'p50':
      return row.p50;
    case 'p99':
      return row.p99;
    case 'p999':
      return row.p999;
    case 'cpu':
      return row.cpuPer10k;
    default:
      return row.extra?.[figure];
  }
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/** subject/peer and peer/baseline ratios for every peer row and compared figure. */
export function computeRatios(peers: PeerResult[], compare: string[], subject?: string, baseline?: string): Pick<ScenarioResult, 'ratios' | 'vsBaseline' | 'addedP99Ms'> {
  const bySubject = peers.find((p) => p.peer === subject);
  const byBaseline = peers.find((p) => p.peer === baseline);
  const ratios: Record<string, RatioRow> = {};
  const vsBaseline: Record<string, RatioRow> = {};
  const addedP99Ms: Record<string, number | null> = {};
  for (const row of peers) {
    if (subject && row.peer !== subject) {
      ratios[row.peer] = Object.fromEntries(compare.map((f) => [f, ratio(figureOf(bySubject, f), figureOf(row, f))]));
    }
    if (baseline && row.peer !== baseline) {
      vsBaseline[row.peer] = Object.fromEntries(compare.map((f) => [f, ratio(figureOf(row, f), figureOf(byBaseline, f))]));
      const [mine, theirs] = [figureOf(row, 'p99'), figureOf(byBaseline, 'p99')];
      addedP99Ms[row.peer] = mine !== undefined && theirs !== undefined ? mine - theirs : null;
    }
  }
  return { ratios, vsBaseline, addedP99Ms };
}
