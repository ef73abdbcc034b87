// In-process load loops for a client library (the SDK runs inside the caller, so the load does too).
//   openLoop:   fixed arrival rate; latency from each request's INTENDED send time, so a stall
//               is charged to every request it delayed (coordinated omission corrected).
//   closedLoop: `concurrency` loops back to back, for saturation throughput.
import { newLatencyHistogram, encodeHistogram } from '../../stats.js';
import type { Sample } from '../../suite.js';

export async function openLoop(rate: number, durationMs: number, call: () => Promise<boolean>, signal?: AbortSignal): Promise<Sample> {
  const histogram = newLatencyHistogram();
  let ok = 0;
  let errors = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  const total = Math.floor((rate * durationMs) / 1000);
  const cpu = process.cpuUsage();
  let sent = 0;
  while (sent < total && !signal?.aborted) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const intended = start + (sent * 1000) / rate;
      const p = call().then(
        (good) => {
          histogram.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
          if (good) ok++;
          else errors++;
        },
        () => { errors++; },
      ).finally(() => pending.delete(p));
      pending.add(p);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const used = process.cpuUsage(cpu);
  return { operations: ok, errors, elapsedMs: performance.now() - start, histogram: encodeHistogram(histogram), cpuSeconds: (used.user + used.system) / 1e6 };
}

export async function closedLoop(concurrency: number, durationMs: number, call: () => Promise<boolean>, signal?: AbortSignal): Promise<Sample> {
  const histogram = newLatencyHistogram();
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + durationMs;
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end && !signal?.aborted) {
      const t = performance.now();
      try {
        if (await call()) ok++;
        else errors++;
      } catch {
        errors++;
      }
      histogram.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
    }
  }));
  const used = process.cpuUsage(cpu);
  return { operations: ok, errors, elapsedMs: performance.now() - start, histogram: encodeHistogram(histogram), cpuSeconds: (used.user + used.system) / 1e6 };
}
