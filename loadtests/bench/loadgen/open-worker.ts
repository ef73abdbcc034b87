// Open-model (fixed arrival rate) HTTP load generator, wrk2-style, run in its own process so it
// never shares an event loop with the system under test. Request i is DUE at start + i/rate;
// its latency is measured from that intended time, not from when it was actually sent, so a
// stall (a full connection pool, a paused server) shows up in the histogram instead of being
// hidden: coordinated omission corrected. Requests are queued by undici when every connection
// is busy, which is exactly the waiting a real client would see.
// The harness forks it once per run and sends it one OpenLoadSpec per measurement over IPC;
// the process stays warm between measurements (no start-up cost inside a run).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { encodeHistogram, newLatencyHistogram } from '../stats.js';
import type { OpenLoadSpec, LoadResult } from './types.js';

export async function runOpenLoad(spec: OpenLoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const pool = new Pool(url.origin, {
    connections: spec.connections,
    pipelining: 1,
    headersTimeout: spec.timeoutMs,
    bodyTimeout: spec.timeoutMs,
    connectTimeout: spec.timeoutMs,
  });
  const histogram = newLatencyHistogram();
  const service = newLatencyHistogram();
  const lag = newLatencyHistogram();
  const cpuBefore = process.cpuUsage();
  const intervalMs = 1000 / spec.rate;
  const total = Math.max(1, Math.round((spec.rate * spec.durationMs) / 1000));
  const path = `${url.pathname}${url.search}`;
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let inFlight = 0;
  let lastDone = 0;
  const errorKinds: Record<string, number> = {};
  const start = performance.now();

  const fire = (intended: number, sentAt: number) => {
    inFlight++;
    pool
      .request({ path, method: 'GET', headers: spec.headers })
      .then(async (res) => {
        await res.body.dump();
        const done = performance.now();
        lastDone = done - start;
        if (res.statusCode < 400) {
          ok++;
          histogram.recordValue(Math.max(1, Math.round((done - intended) * 1000)));
          service.recordValue(Math.max(1, Math.round((done - sentAt) * 1000)));
        } else {
          errors++;
          errorKinds[`status ${res.statusCode}`] = (errorKinds[`status ${res.statusCode}`] ?? 0) + 1;
        }
      })
      .catch((error: NodeJS.ErrnoException) => {
        errors++;
        const kind = error.code ?? error.name;
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      })
      .finally(() => {
        inFlight--;
      });
  };

  // Timer ticks of ~1 ms; each tick sends every request that has come due (several at high rates).
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        const intended = start + sent * intervalMs;
        // How late the generator itself sends (timer granularity, its own CPU starvation): it is
        // inside every latency figure, so it is reported beside them.
        lag.recordValue(Math.max(1, Math.round((now - intended) * 1000)));
        fire(intended, now);
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const drainDeadline = performance.now() + spec.timeoutMs + 1000;
  while (inFlight > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 5));
  // Requests still queued or in flight after the drain window count once, as 'unfinished' (the
  // pool's destroy below fails them again; those failures are not counted).
  const unfinished = inFlight;
  const counted = { ok, errors, errorKinds: { ...errorKinds } };
  if (unfinished) counted.errorKinds.unfinished = unfinished;
  await pool.destroy().catch(() => {});
  return {
    tool: 'tiered-open-loadgen',
    operations: counted.ok,
    errors: counted.errors + unfinished,
    elapsedMs: Math.max(spec.durationMs, lastDone),
    histogram: encodeHistogram(histogram),
    serviceHistogram: encodeHistogram(service),
    offeredRate: spec.rate,
    sent,
    errorKinds: counted.errorKinds,
    sendLagMs: { p50: lag.getValueAtPercentile(50) / 1000, p99: lag.getValueAtPercentile(99) / 1000 },
    loadgenCpuSeconds: (() => {
      const used = process.cpuUsage(cpuBefore);
      return (used.user + used.system) / 1e6;
    })(),
  };
}

interface Job {
  id: number;
  spec: OpenLoadSpec;
}

if (process.send) {
  process.on('message', (job: Job) => {
    runOpenLoad(job.spec).then(
      (result) => process.send?.({ id: job.id, result }),
      (error: Error) => process.send?.({ id: job.id, error: error.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}
