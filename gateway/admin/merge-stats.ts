// Stats of a supervised gateway: the primary's view (health, checks, admin state) with the
// counters of every worker added up, and exact percentiles: each worker sends its HDR
// histograms (compressed), which are added here. TCP figures are added up (their percentiles:
// the worst worker's, until TCP shares this stats model).
import { addCounters, mergePercentiles, type StatsSnapshot } from '../backend/stats.js';
import type { GatewayStats, WorkerStats } from './stats-model.js';
import type { TcpGatewayStats } from '../tcp/index.js';

type Entry = StatsSnapshot & { inFlight?: number; connections?: number; queued?: number };

function add(into: Entry, from: Entry): void {
  addCounters(into, from);
  if (from.inFlight !== undefined) into.inFlight = (into.inFlight ?? 0) + from.inFlight;
  if (from.connections !== undefined) into.connections = (into.connections ?? 0) + from.connections;
  if (from.queued !== undefined) into.queued = (into.queued ?? 0) + from.queued;
}

/** Adds the workers' entries into `into` (the primary's own, or the first worker's), percentiles exactly. */
function addAll(into: Entry, parts: Entry[], ownHasTraffic: boolean): void {
  for (const part of parts) add(into, part);
  mergePercentiles(into, ownHasTraffic ? [{ ...into }, ...parts] : parts);
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
  }
  const frontendNames = new Set([...merged.frontends.map((f) => f.name), ...workers.flatMap((w) => w.frontends.map((f) => f.name))]);
  for (const name of frontendNames) {
    const parts = workers.flatMap((w) => w.frontends.filter((f) => f.name === name));
    let into = merged.frontends.find((f) => f.name === name);
    if (!into) {
      const [first, ...rest] = parts;
      into = structuredClone(first);
      merged.frontends.push(into);
      addAll(into, rest, true);
    } else addAll(into, parts, into.requests > 0);
  }
  for (const into of merged.backends) {
    const parts = workers.flatMap((w) => w.backends.filter((b) => b.name === into.name));
    addAll(into, parts, into.requests > 0);
    for (const server of into.servers) {
      const serverParts = parts.flatMap((b) => b.servers.filter((s) => s.name === server.name));
      addAll(server, serverParts, server.requests > 0);
    }
  }
  return { ...merged, workers: processes };
}
