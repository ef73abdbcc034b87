// Stats of a cluster: the primary's view (health, checks, admin state, TCP) with the counters of
// every worker added up. Percentiles cannot be added: the worst worker's p50/p99 is shown.
import { addCounters, type StatsSnapshot } from '../backend/stats.js';
import type { GatewayStats, WorkerStats } from './stats-model.js';
import type { TcpGatewayStats } from '../tcp/index.js';

function add(into: StatsSnapshot & { inFlight?: number; connections?: number; queued?: number }, from: StatsSnapshot & { inFlight?: number; connections?: number; queued?: number }): void {
  addCounters(into, from);
  into.p50 = Math.max(into.p50, from.p50);
  into.p99 = Math.max(into.p99, from.p99);
  into.max = Math.max(into.max, from.max);
  if (from.inFlight !== undefined) into.inFlight = (into.inFlight ?? 0) + from.inFlight;
  if (from.connections !== undefined) into.connections = (into.connections ?? 0) + from.connections;
  if (from.queued !== undefined) into.queued = (into.queued ?? 0) + from.queued;
}

/** Per-worker TCP figures that add up; percentiles take the worst worker; the rest (state) the first's. */
const SUMMED = new Set(['current', 'total', 'refused', 'bytesIn', 'bytesOut', 'inFlight', 'sessions', 'connectErrors', 'queued']);

function addTcpRecord(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(from)) {
    const have = into[key];
    if (typeof value === 'number' && typeof have === 'number') {
      if (/P\d+$/.test(key)) into[key] = Math.max(have, value);
      else if (SUMMED.has(key)) into[key] = have + value;
    } else if (key === 'totals' && value && typeof value === 'object' && have && typeof have === 'object') {
      for (const [k, v] of Object.entries(value)) if (typeof v === 'number') (have as Record<string, number>)[k] = ((have as Record<string, number>)[k] ?? 0) + v;
    } else if (key === 'servers' && Array.isArray(value) && Array.isArray(have)) {
      for (const s of value as { name: string }[]) {
        const server = (have as { name: string }[]).find((x) => x.name === s.name);
        if (server) addTcpRecord(server as unknown as Record<string, unknown>, s as unknown as Record<string, unknown>);
      }
    }
  }
}

function mergeTcp(into: TcpGatewayStats, from: TcpGatewayStats): void {
  for (const [list, source] of [[into.frontends, from.frontends], [into.backends, from.backends]] as const) {
    for (const item of source) {
      const target = (list as { name: string }[]).find((x) => x.name === item.name);
      if (target) addTcpRecord(target as unknown as Record<string, unknown>, item as unknown as Record<string, unknown>);
      else (list as unknown[]).push(structuredClone(item));
    }
  }
}

export function mergeStats(own: GatewayStats, workers: GatewayStats[], processes?: WorkerStats[]): GatewayStats {
  const merged: GatewayStats = structuredClone(own);
  for (const w of workers) {
    // TCP frontends run in the workers of a supervised gateway.
    if (w.tcp) {
      if (!merged.tcp) merged.tcp = structuredClone(w.tcp);
      else mergeTcp(merged.tcp, w.tcp);
    }
    for (const f of w.frontends) {
      const into = merged.frontends.find((x) => x.name === f.name);
      if (into) add(into, f);
      else merged.frontends.push(structuredClone(f));
    }
    for (const b of w.backends) {
      const into = merged.backends.find((x) => x.name === b.name);
      if (!into) continue;
      add(into, b);
      for (const s of b.servers) {
        const server = into.servers.find((x) => x.name === s.name);
        if (server) add(server, s);
      }
    }
  }
  return { ...merged, workers: processes };
}
