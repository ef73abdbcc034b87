// Latency statistics: hdr histograms (microseconds) in, percentile tables (milliseconds) out.
// Rounds of one peer merge exactly when they come as histograms; percentile tables from tools
// that only print percentiles (wrk, autocannon, pgbench) are combined by the median per point.
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { PercentileTable, Sample } from './suite.js';

/** The percentiles every table carries (the plot's x axis). */
export const STANDARD_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];

/** A histogram for latencies in microseconds, 1 µs to 10 min, 3 significant digits. */
export function newLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded);
}

/** Percentile table (ms) of a histogram recorded in µs. */
export function tableFromHistogram(histogram: Histogram): PercentileTable {
  if (histogram.totalCount === 0) return { points: [] };
  return {
    points: STANDARD_PERCENTILES.map((p) => ({ p, ms: (p === 100 ? histogram.maxValue : histogram.getValueAtPercentile(p)) / 1000 })),
    meanMs: histogram.mean / 1000,
    maxMs: histogram.maxValue / 1000,
  };
}

/** Value at percentile `p` of a table, interpolating linearly between the points it has. */
export function percentileOf(table: PercentileTable | undefined, p: number): number | undefined {
  const points = table?.points ?? [];
  if (points.length === 0) return undefined;
  const sorted = [...points].sort((a, b) => a.p - b.p);
  if (p <= sorted[0].p) return sorted[0].ms;
  for (let i = 1; i < sorted.length; i++) {
    const hi = sorted[i];
    if (p <= hi.p) {
      const lo = sorted[i - 1];
      if (hi.p === lo.p) return hi.ms;
      return lo.ms + ((hi.ms - lo.ms) * (p - lo.p)) / (hi.p - lo.p);
    }
  }
  return sorted[sorted.length - 1].ms;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, point by point, of percentile tables (tools that give no histogram). */
export function medianTable(tables: PercentileTable[]): PercentileTable | undefined {
  const usable = tables.filter((t) => t.points.length > 0);
  if (usable.length === 0) return undefined;
  const ps = [...new Set(usable.flatMap((t) => t.points.map((x) => x.p)))].sort((a, b) => a - b);
  const points = ps.map((p) => ({ p, ms: median(usable.map((t) => percentileOf(t, p) as number)) as number }));
  const means = usable.map((t) => t.meanMs).filter((v): v is number => v !== undefined);
  const maxes = usable.map((t) => t.maxMs).filter((v): v is number => v !== undefined);
  return { points, meanMs: median(means), maxMs: maxes.length ? Math.max(...maxes) : undefined };
}

/** The latency of several rounds: merged histograms when every round has one, else the median table. */
export function combineLatency(samples: Sample[]): PercentileTable | undefined {
  if (samples.length === 0) return undefined;
  if (samples.every((s) => s.histogram)) {
    const merged = newLatencyHistogram();
    for (const s of samples) merged.add(decodeHistogram(s.histogram as string));
    return tableFromHistogram(merged);
  }
  const tables = samples.map((s) => s.latency ?? (s.histogram ? tableFromHistogram(decodeHistogram(s.histogram)) : undefined));
  return medianTable(tables.filter((t): t is PercentileTable => t !== undefined));
}
