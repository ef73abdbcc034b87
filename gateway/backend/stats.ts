// Counters and a response-time histogram for one server, backend or frontend: what /stats,
// /stats.json and /metrics show. Mode-independent (TCP sessions count as requests).
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export interface StatsSnapshot {
  requests: number;
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number; other: number };
  errors: { connect: number; response: number; timeout: number; aborted: number };
  /** Requests sent again after a failed attempt; a retry always goes to another server (HAProxy's redispatch), so there is no separate redispatch count. */
  retries: number;
  queueTimeouts: number;
  bytesIn: number;
  bytesOut: number;
  /** Response time in ms (request start → last byte), over the last one to two minutes. */
  p50: number;
  p99: number;
  max: number;
  /**
   * The window's response-time histogram (µs), HDR compressed base64: present in a worker's
   * snapshot for its primary, which adds the workers' histograms for exact cluster percentiles.
   */
  hdr?: string;
}

type Counters = Pick<StatsSnapshot, 'requests' | 'responses' | 'errors' | 'retries' | 'queueTimeouts' | 'bytesIn' | 'bytesOut'>;

/** Adds every counter of `from` into `into` (reload carry-over, cluster totals). */
export function addCounters(into: Counters, from: Counters): void {
  into.requests += from.requests;
  for (const k of Object.keys(into.responses) as (keyof Counters['responses'])[]) into.responses[k] += from.responses[k];
  for (const k of Object.keys(into.errors) as (keyof Counters['errors'])[]) into.errors[k] += from.errors[k];
  into.retries += from.retries;
  into.queueTimeouts += from.queueTimeouts;
  into.bytesIn += from.bytesIn;
  into.bytesOut += from.bytesOut;
}

export class Stats {
  requests = 0;
  readonly responses = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 };
  readonly errors = { connect: 0, response: 0, timeout: 0, aborted: 0 };
  retries = 0;
  queueTimeouts = 0;
  bytesIn = 0;
  bytesOut = 0;
  /**
   * Response times in microseconds (2 significant digits, up to one hour), in two windows of
   * WINDOW_MS: percentiles cover the last one to two windows, so they follow a server that
   * turns slow instead of averaging it into everything since start.
   */
  private histogram: Histogram = newHistogram();
  private previous: Histogram = newHistogram();
  private windowStart = Date.now();

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

  time(ms: number, now = Date.now()): void {
    if (now - this.windowStart >= WINDOW_MS) this.rotate(now);
    this.histogram.recordValue(Math.max(1, Math.min(HIGHEST_US, Math.round(ms * 1000))));
  }

  private rotate(now: number): void {
    const stale = now - this.windowStart >= 2 * WINDOW_MS;
    const recycled = this.previous;
    recycled.reset();
    this.previous = stale ? newHistogram() : this.histogram;
    this.histogram = recycled;
    this.windowStart = now;
  }

  /** Carries the counters of a replaced runtime over (reload). */
  merge(other: Stats): void {
    addCounters(this, other);
    this.histogram.add(other.histogram);
    this.previous.add(other.previous);
  }

  snapshot(now = Date.now(), withHistogram = false): StatsSnapshot {
    if (now - this.windowStart >= WINDOW_MS) this.rotate(now);
    const h = newHistogram();
    h.add(this.previous);
    h.add(this.histogram);
    const snapshot: StatsSnapshot = {
      requests: this.requests,
      responses: { ...this.responses },
      errors: { ...this.errors },
      retries: this.retries,
      queueTimeouts: this.queueTimeouts,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      ...percentiles(h),
    };
    if (withHistogram) snapshot.hdr = encodeIntoCompressedBase64(h);
    return snapshot;
  }
}

function percentiles(h: Histogram): Pick<StatsSnapshot, 'p50' | 'p99' | 'max'> {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    p50: h.totalCount ? ms(h.getValueAtPercentile(50)) : 0,
    p99: h.totalCount ? ms(h.getValueAtPercentile(99)) : 0,
    max: h.totalCount ? ms(h.maxValue) : 0,
  };
}

/**
 * Adds the histograms of several snapshots (workers of one gateway) and sets `into`'s
 * percentiles from the sum: exact cluster percentiles, not the worst worker's. Snapshots without
 * a histogram fall back to the worst value. `hdr` is removed from `into`.
 */
export function mergePercentiles(into: StatsSnapshot, parts: StatsSnapshot[]): void {
  const withHistogram = parts.filter((p) => p.hdr !== undefined);
  if (withHistogram.length === parts.length && parts.length > 0) {
    const sum = newHistogram();
    for (const part of withHistogram) {
      try {
        sum.add(decodeFromCompressedBase64(part.hdr!));
      } catch {
        // a histogram that does not decode counts as absent (its worker's counters still add up)
      }
    }
    Object.assign(into, percentiles(sum));
  } else {
    for (const p of parts) {
      into.p50 = Math.max(into.p50, p.p50);
      into.p99 = Math.max(into.p99, p.p99);
      into.max = Math.max(into.max, p.max);
    }
  }
  delete into.hdr;
}

const WINDOW_MS = 60_000;
const HIGHEST_US = 3_600_000_000;

function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 2 });
}
