// The gateway's one stats model: counters plus HDR latency histograms per time slice, for every
// frontend, backend and server, HTTP and TCP alike. /stats, /stats.json and /metrics render its
// snapshot; a supervising primary adds its workers' snapshots (counters summed, histograms added,
// so cluster percentiles are exact). What a "request" is depends on the mode: an HTTP exchange, or
// a TCP session (timers: queue = wait for a slot, connect, total = accept to close).
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** The timers of one request: in the backend queue, connecting, server to response head, and the whole. */
export const TIMERS = ['queue', 'connect', 'response', 'total'] as const;
export type Timer = (typeof TIMERS)[number];

export interface Percentiles {
  /** Samples in the window. */
  count: number;
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface StatsCounters {
  /** HTTP: requests sent on (frontend: received); TCP: sessions. */
  requests: number;
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number; other: number };
  errors: { connect: number; response: number; timeout: number; aborted: number };
  /** Requests sent again after a failed attempt; a retry always goes to another server (HAProxy's redispatch), so there is no separate redispatch count. */
  retries: number;
  /** Refused: every server down (HTTP 503 `SC`, TCP close). */
  noServer: number;
  /** Refused: the backend queue was full. */
  queueFull: number;
  /** Refused: waited in the queue past queueTimeout. */
  queueTimeouts: number;
  bytesIn: number;
  bytesOut: number;
}

export interface StatsSnapshot extends StatsCounters {
  /** The `total` timer over the window, ms (kept at the top level: what tables and alerts read). */
  p50: number;
  p99: number;
  max: number;
  /** Every timer with samples in the window (the last SLICES × SLICE_MS). */
  timers: Partial<Record<Timer, Percentiles>>;
  /**
   * The window's histograms (µs), HDR compressed base64: present in a worker's snapshot for its
   * primary, which adds the workers' histograms for exact cluster percentiles.
   */
  hdr?: Partial<Record<Timer, string>>;
}

/** Time slices: percentiles cover the last SLICES × SLICE_MS (50 to 60 s), so they follow a server that turns slow. */
export const SLICE_MS = 10_000;
export const SLICES = 6;
const HIGHEST_US = 3_600_000_000;

function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 2 });
}

/** One timer's histograms, one per slice in a ring; a slice is reset when time comes round to it again. */
class Series {
  private readonly slices: (Histogram | undefined)[] = new Array(SLICES);
  /** Absolute number (time / SLICE_MS) of the newest slice. */
  private current = 0;

  record(ms: number, now: number): void {
    const slice = Math.floor(now / SLICE_MS);
    if (slice !== this.current) this.advance(slice);
    const index = slice % SLICES;
    const h = this.slices[index] ??= newHistogram();
    h.recordValue(Math.max(1, Math.min(HIGHEST_US, Math.round(ms * 1000))));
  }

  /** The window's histogram at `now` (a new histogram: the caller may keep it). */
  window(now: number): Histogram {
    const slice = Math.floor(now / SLICE_MS);
    if (slice > this.current) this.advance(slice);
    const sum = newHistogram();
    for (const h of this.slices) if (h && h.totalCount > 0) sum.add(h);
    return sum;
  }

  /** Carries another series' samples over (reload). */
  merge(other: Series, now: number): void {
    const h = other.window(now);
    if (h.totalCount === 0) return;
    const slice = Math.floor(now / SLICE_MS);
    if (slice !== this.current) this.advance(slice);
    (this.slices[slice % SLICES] ??= newHistogram()).add(h);
  }

  private advance(slice: number): void {
    // Clear the slices between the newest one and `slice` (all of them after a long pause).
    const steps = Math.min(SLICES, Math.max(0, slice - this.current));
    for (let i = 1; i <= steps; i++) this.slices[(this.current + i) % SLICES]?.reset();
    if (slice < this.current) for (const h of this.slices) h?.reset(); // the clock went back
    this.current = slice;
  }
}

export function emptyCounters(): StatsCounters {
  return {
    requests: 0,
    responses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 },
    errors: { connect: 0, response: 0, timeout: 0, aborted: 0 },
    retries: 0, noServer: 0, queueFull: 0, queueTimeouts: 0, bytesIn: 0, bytesOut: 0,
  };
}

/** Adds every counter of `from` into `into` (reload carry-over, cluster totals). */
export function addCounters(into: StatsCounters, from: StatsCounters): void {
  into.requests += from.requests;
  for (const k of Object.keys(into.responses) as (keyof StatsCounters['responses'])[]) into.responses[k] += from.responses[k] ?? 0;
  for (const k of Object.keys(into.errors) as (keyof StatsCounters['errors'])[]) into.errors[k] += from.errors[k] ?? 0;
  into.retries += from.retries;
  into.noServer += from.noServer ?? 0;
  into.queueFull += from.queueFull ?? 0;
  into.queueTimeouts += from.queueTimeouts;
  into.bytesIn += from.bytesIn;
  into.bytesOut += from.bytesOut;
}

export class Stats implements StatsCounters {
  requests = 0;
  readonly responses = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 };
  readonly errors = { connect: 0, response: 0, timeout: 0, aborted: 0 };
  retries = 0;
  noServer = 0;
  queueFull = 0;
  queueTimeouts = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Created on first use: a frontend records only `total`, a TCP server never `response`. */
  private readonly series: Partial<Record<Timer, Series>> = {};

  status(code: number): void {
    const r = this.responses;
    switch ((code / 100) | 0) {
      case 2: r['2xx']++; break;
      case 3: r['3xx']++; break;
      case 4: r['4xx']++; break;
      case 5: r['5xx']++; break;
      case 1: r['1xx']++; break;
      default: r.other++;
    }
  }

  /** Records one sample of a timer, ms (`now`: wall clock, picks the slice). */
  time(ms: number, now = Date.now(), timer: Timer = 'total'): void {
    (this.series[timer] ??= new Series()).record(ms, now);
  }

  /** Carries the counters and samples of a replaced runtime over (reload). */
  merge(other: Stats, now = Date.now()): void {
    addCounters(this, other);
    for (const timer of TIMERS) {
      const from = other.series[timer];
      if (from) (this.series[timer] ??= new Series()).merge(from, now);
    }
  }

  snapshot(now = Date.now(), withHistogram = false): StatsSnapshot {
    const timers: StatsSnapshot['timers'] = {};
    const hdr: NonNullable<StatsSnapshot['hdr']> = {};
    for (const timer of TIMERS) {
      const series = this.series[timer];
      if (!series) continue;
      const h = series.window(now);
      if (h.totalCount > 0) timers[timer] = percentiles(h);
      if (withHistogram && h.totalCount > 0) hdr[timer] = encodeIntoCompressedBase64(h);
    }
    const total = timers.total;
    const snapshot: StatsSnapshot = {
      requests: this.requests,
      responses: { ...this.responses },
      errors: { ...this.errors },
      retries: this.retries,
      noServer: this.noServer,
      queueFull: this.queueFull,
      queueTimeouts: this.queueTimeouts,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      p50: total?.p50 ?? 0,
      p99: total?.p99 ?? 0,
      max: total?.max ?? 0,
      timers,
    };
    if (withHistogram) snapshot.hdr = hdr;
    return snapshot;
  }
}

function percentiles(h: Histogram): Percentiles {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

function worst(a: Percentiles, b: Percentiles): Percentiles {
  return {
    count: a.count + b.count,
    p50: Math.max(a.p50, b.p50), p90: Math.max(a.p90, b.p90), p99: Math.max(a.p99, b.p99),
    p999: Math.max(a.p999, b.p999), max: Math.max(a.max, b.max),
  };
}

/**
 * Adds the histograms of several snapshots (workers of one gateway) and sets `into`'s
 * percentiles from the sum: exact cluster percentiles, not the worst worker's. A histogram that
 * does not decode counts as absent (its worker's counters still add up). `hdr` is removed from
 * `into`.
 */
export function mergePercentiles(into: StatsSnapshot, parts: StatsSnapshot[]): void {
  const timers: StatsSnapshot['timers'] = {};
  for (const timer of TIMERS) {
    const sum = newHistogram();
    for (const part of parts) {
      const encoded = part.hdr?.[timer];
      if (encoded === undefined) continue;
      try {
        sum.add(decodeFromCompressedBase64(encoded));
      } catch {
        // see above
      }
    }
    let merged = sum.totalCount > 0 ? percentiles(sum) : undefined;
    // A part with samples but no histogram (an older worker): its percentiles bound the result.
    for (const part of parts) {
      const own = part.timers?.[timer];
      if (!own || part.hdr?.[timer] !== undefined) continue;
      merged = merged ? worst(merged, own) : { ...own };
    }
    if (merged) timers[timer] = merged;
  }
  into.timers = timers;
  into.p50 = timers.total?.p50 ?? 0;
  into.p99 = timers.total?.p99 ?? 0;
  into.max = timers.total?.max ?? 0;
  delete into.hdr;
}
