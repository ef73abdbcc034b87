// Closed-model load (N connections, each sends the next request when the last is answered):
// throughput at saturation. wrk when installed (C, epoll: it takes the least CPU from the system
// under test on a small machine), else autocannon (installed with the project). Both run in
// their own process. TIERED_BENCH_CLOSED_TOOL=autocannon|wrk forces one.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findBinary } from '../../../ops/stack/binaries.js';
import type { ClosedLoadSpec, LoadResult } from './types.js';
import { runBinary } from './run-worker.js';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon');

/**
 * wrk's done() hook: prints the summary as one JSON line prefixed with TIERED_WRK, so the harness
 * reads p50..p99.99 and the error counts exactly (wrk's own text rounds and omits p99.9).
 */
export const WRK_REPORT_LUA = `done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local ps = { 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 }
  local points = { string.format('{"p":0,"us":%d}', latency.min) }
  for _, p in ipairs(ps) do
    table.insert(points, string.format('{"p":%s,"us":%d}', p, latency:percentile(p)))
  end
  table.insert(points, string.format('{"p":100,"us":%d}', latency.max))
  io.write(string.format('TIERED_WRK {"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,"mean_us":%f,"points":[%s]}\\n',
    summary.requests, summary.duration, errors, e.status, latency.mean, table.concat(points, ",")))
end
`;

export interface ClosedLoadOptions extends ClosedLoadSpec {
  tmpDir: string;
  signal?: AbortSignal;
}

/** The tool closedLoad will use here. */
export function closedTool(prefer?: 'wrk' | 'autocannon'): 'wrk' | 'autocannon' {
  if (prefer) return prefer;
  const forced = process.env.TIERED_BENCH_CLOSED_TOOL;
  if (forced === 'wrk' || forced === 'autocannon') return forced;
  return findBinary('wrk') ? 'wrk' : 'autocannon';
}

/** Parses the TIERED_WRK line printed by wrk-report.lua. */
export function parseWrkOutput(output: string): LoadResult {
  const line = output.split('\n').find((l) => l.startsWith('TIERED_WRK '));
  if (!line) throw new Error(`wrk printed no summary:\n${output.slice(-2000)}`);
  const raw = JSON.parse(line.slice('TIERED_WRK '.length)) as {
    requests: number;
    duration_us: number;
    errors: number;
    status_errors: number;
    mean_us: number;
    points: Array<{ p: number; us: number }>;
  };
  return {
    tool: 'wrk',
    operations: raw.requests - raw.status_errors,
    errors: raw.errors,
    elapsedMs: raw.duration_us / 1000,
    latency: {
      points: raw.points.map((x) => ({ p: x.p, ms: x.us / 1000 })),
      meanMs: raw.mean_us / 1000,
      maxMs: (raw.points.find((x) => x.p === 100)?.us ?? 0) / 1000,
    },
  };
}

/** Parses autocannon --json output (latency in ms, keys like p99_9 → 99.9). */
export function parseAutocannonOutput(output: string): LoadResult {
  const line = output.split('\n').reverse().find((l) => l.trim().startsWith('{'));
  if (!line) throw new Error(`autocannon printed no JSON:\n${output.slice(-2000)}`);
  const raw = JSON.parse(line) as {
    requests: { total: number };
    latency: Record<string, number>;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  const points = Object.entries(raw.latency)
    .filter(([k]) => /^p\d+(_\d+)?$/.test(k))
    .map(([k, ms]) => ({ p: Number(k.slice(1).replace('_', '.')), ms }))
    .sort((a, b) => a.p - b.p);
  points.unshift({ p: 0, ms: raw.latency.min });
  points.push({ p: 100, ms: raw.latency.max });
  return {
    tool: 'autocannon',
    operations: raw.requests.total - raw.non2xx,
    errors: raw.errors + raw.non2xx,
    elapsedMs: raw.duration * 1000,
    latency: { points, meanMs: raw.latency.mean, maxMs: raw.latency.max },
  };
}

export async function closedLoad(options: ClosedLoadOptions): Promise<LoadResult> {
  const tool = closedTool(options.tool);
  const seconds = Math.max(1, Math.round(options.durationMs / 1000));
  const run = { name: tool, logDir: options.tmpDir, timeoutMs: seconds * 1000 + 30_000, signal: options.signal };
  if (tool === 'wrk') {
    const wrk = findBinary('wrk') as string;
    const script = join(options.tmpDir, 'wrk-report.lua');
    writeFileSync(script, WRK_REPORT_LUA);
    const args = ['-t', String(options.threads ?? 1), '-c', String(options.connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', script, options.url];
    return parseWrkOutput(await runBinary(wrk, args, run));
  }
  const args = [AUTOCANNON, '--json', '-c', String(options.connections), '-d', String(seconds), '-t', '10', options.url];
  return parseAutocannonOutput(await runBinary(process.execPath, args, run));
}
