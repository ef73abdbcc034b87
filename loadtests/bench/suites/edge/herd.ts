// The edge suite's thundering-herd scenario: `clients` concurrent clients (one connection each,
// kept open between expiries) ask for one object right after it expires (the origin makes /herd
// cacheable for 1 s; each expiry waits 1.3 s after the last refresh), and the origin's request
// counter (GET /__bench/count) is read before the herd and 200 ms after its last answer, so a
// background refresh is counted too. The figure is origin requests per expiry (target: 1).
import { Pool } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeHistogram, newLatencyHistogram } from '../../stats.js';
import type { HttpTarget } from '../../loadgen/measure.js';
import type { MeasureRun, Sample } from '../../suite.js';

export const HERD_PATH = '/herd';
/** The origin's max-age for HERD_PATH is 1 s: wait a little longer so the object has expired. */
const EXPIRE_WAIT_MS = 1300;
const SETTLE_MS = 200;

export interface HerdOptions {
  clients: number;
  /** Expiries per measurement (each one herd). */
  expiries: number;
  /** Requests the origin has answered so far. */
  originCount(): Promise<number>;
}

export function herdMeasure(options: HerdOptions) {
  return async (target: HttpTarget, run: MeasureRun): Promise<Sample> => {
    const base = new URL(target.url);
    const pool = new Pool(base.origin, { connections: options.clients, pipelining: 1, keepAliveTimeout: 30_000 });
    const histogram = newLatencyHistogram();
    let ok = 0;
    let errors = 0;
    let elapsedMs = 0;
    const perExpiry: number[] = [];
    const one = async (record: boolean) => {
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: HERD_PATH, method: 'GET' });
        await res.body.dump();
        if (!record) return;
        if (res.statusCode === 200) {
          ok++;
          histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        } else errors++;
      } catch {
        if (record) errors++;
      }
    };
    const herd = (record: boolean) => Promise.all(Array.from({ length: options.clients }, () => one(record)));
    try {
      // Cache the object, then open every client's connection while it is fresh.
      await one(false);
      await herd(false);
      const expiries = run.warmup ? 1 : options.expiries;
      for (let i = 0; i < expiries && !run.ctx.signal.aborted; i++) {
        await sleep(EXPIRE_WAIT_MS);
        const before = await options.originCount();
        const started = performance.now();
        await herd(true);
        elapsedMs += performance.now() - started;
        await sleep(SETTLE_MS);
        perExpiry.push((await options.originCount()) - before);
      }
    } finally {
      await pool.close();
    }
    const sorted = [...perExpiry].sort((a, b) => a - b);
    return {
      operations: ok,
      elapsedMs,
      errors,
      histogram: encodeHistogram(histogram),
      extra: { origin: sorted[sorted.length - 1] ?? 0, originMedian: sorted[Math.floor(sorted.length / 2)] ?? 0 },
      notes: { clients: options.clients, expiries: perExpiry.length, perExpiry: perExpiry.join(',') },
    };
  };
}
