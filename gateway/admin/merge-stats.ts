// Stats of a cluster: the primary's view (health, checks, admin state, TCP) with the counters of
// every worker added up. Percentiles cannot be added: the worst worker's p50/p99 is shown.
import { addCounters, type StatsSnapshot } from '../backend/stats.js';
import type { GatewayStats } from './stats-model.js';

function add(into: StatsSnapshot & { inFlight?: number; connections?: number; queued?: number }, from: StatsSnapshot & { inFlight?: number; connections?: number; queued?: number }): void {
  addCounters(into, from);
  into.p50 = Math.max(into.p50, from.p50);
  into.p99 = Math.max(into.p99, from.p99);
  into.max = Math.max(into.max, from.max);
  if (from.inFlight !== undefined) into.inFlight = (into.inFlight ?? 0) + from.inFlight;
  if (from.connections !== undefined) into.connections = (into.connections ?? 0) + from.connections;
  if (from.queued !== undefined) into.queued = (into.queued ?? 0) + from.queued;
}

export function mergeStats(own: GatewayStats, workers: GatewayStats[]): GatewayStats {
  const merged: GatewayStats = structuredClone(own);
  for (const w of workers) {
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
  return { ...merged, workers: workers.length } as GatewayStats;
}
