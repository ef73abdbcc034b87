// In-process load loops for client-library scenarios: an open model (fixed arrival rate,
// latency measured from the intended start: coordinated omission corrected) and a closed
// model (C workers back to back). Latencies go into an hdr histogram in microseconds.
import type { Histogram } from 'hdr-histogram-js';

export interface LoopResult {
  operations: number;
  errors: number;
  elapsedMs: number;
  cpuSeconds: number;
}

const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

export async function openLoop(rate: number, durationMs: number, op: (i: number) => Promise<unknown>, histogram: Histogram): Promise<LoopResult> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const total = Math.max(1, Math.floor((rate * durationMs) / 1000));
  const interval = 1000 / rate;
  let issued = 0;
  let operations = 0;
  let errors = 0;
  const pending = new Set<Promise<void>>();
  while (issued < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
    for (; issued < due; issued++) {
      const intended = start + issued * interval;
      const p: Promise<void> = op(issued).then(
        () => {
          operations++;
          histogram.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
        },
        () => void errors++,
      ).finally(() => pending.delete(p));
      pending.add(p);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  return { operations, errors, elapsedMs: performance.now() - start, cpuSeconds: cpuSeconds(cpu) };
}

export async function closedLoop(concurrency: number, durationMs: number, op: (i: number) => Promise<unknown>, histogram: Histogram): Promise<LoopResult> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + durationMs;
  let next = 0;
  let operations = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await op(next++);
        operations++;
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      } catch {
        errors++;
      }
    }
  }));
  return { operations, errors, elapsedMs: performance.now() - start, cpuSeconds: cpuSeconds(cpu) };
}
