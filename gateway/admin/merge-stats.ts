// Stats of a supervised gateway: the primary's view (health, checks, admin state) with the
// counters of every worker added up, and exact percentiles: each worker sends its HDR
// histograms (compressed), which are added here. HTTP and TCP alike (one stats model).
import { addEdgeStats } from '../edge/stats.js';
import { addCounters, mergePercentiles, type StatsSnapshot } from '../backend/stats.js';
import type { GatewayStats, WorkerStats } from './stats-model.js';

type Entry = StatsSnapshot & { inFlight?: number; connections?: number; queued?: number; sessions?: number };

function add(into: Entry, from: Entry): void {
  addCounters(into, from);
  for (const key of ['inFlight', 'connections', 'queued', 'sessions'] as const) {
    if (from[key] !== undefined) into[key] = (into[key] ?? 0) + from[key];
  }
}

/** Adds the workers' entries into `into` (the primary's own, or the first worker's), percentiles exactly. */
function addAll(into: Entry, parts: Entry[], ownHasTraffic: boolean): void {
  for (const part of parts) add(into, part);
  mergePercentiles(into, ownHasTraffic ? [{ ...into }, ...parts] : parts);
}

export function mergeStats(own: GatewayStats, workers: GatewayStats[], processes?: WorkerStats[]): GatewayStats {
  const merged: GatewayStats = structuredClone(own);
  const frontendNames = new Set([...merged.frontends.map((f) => f.name), ...workers.flatMap((w) => w.frontends.map((f) => f.name))]);
  for (const name of frontendNames) {
    const parts = workers.flatMap((w) => w.frontends.filter((f) => f.name === name));
    let into = merged.frontends.find((f) => f.name === name);
    let added = parts;
    if (!into) {
      const [first, ...rest] = parts;
      into = structuredClone(first);
      merged.frontends.push(into);
      addAll(into, rest, true);
      added = rest;
    } else addAll(into, parts, into.requests > 0);
    for (const part of added) if (part.edge) into.edge = into.edge ? addEdgeStats(into.edge, part.edge) : { ...part.edge };
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
