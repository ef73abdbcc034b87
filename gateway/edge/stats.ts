// The edge's counters, per HTTP frontend: a part of the gateway's one stats model
// (frontends[].edge in /stats.json, rows on /stats, tiered_gateway_edge_* on /metrics), summed
// across workers by a supervising primary.

export interface EdgeStatsSnapshot {
  /** Answered from a fresh stored object. */
  hits: number;
  /** Fetched from the origin: no usable stored object. */
  misses: number;
  /** Served stale: while revalidating (grace) or because the origin failed (stale-if-error). */
  stale: number;
  /** A stored object refreshed by a 304 from the origin. */
  revalidated: number;
  /** Sent straight to the origin: method, Authorization, no-store, hit-for-miss. */
  bypass: number;
  /** Of those: keys remembered as uncacheable (hit-for-miss). */
  hitForMiss: number;
  /** Requests the edge sent to the origin (misses, revalidations, refreshes; not bypasses). */
  originFetches: number;
  /** Requests that waited on another request's origin fetch instead of making their own. */
  coalesced: number;
  /** Answered 304 to a client's own conditional request. */
  notModified: number;
  /** Objects stored, and responses that could not be (uncacheable or over maxObjectBytes). */
  stored: number;
  notStored: number;
  /** Body bytes sent to clients from stored objects vs streamed from the origin. */
  bytesFromCache: number;
  bytesFromOrigin: number;
  /** Purge requests applied here, objects they removed or marked stale, and their time (ms). */
  purges: number;
  purgedObjects: number;
  purgeMsTotal: number;
  purgeMsMax: number;
  /** Objects invalidated by a successful unsafe request (RFC 9111 §4.4). */
  invalidations: number;
  /** Objects and bytes in the store now (memory store). */
  objects: number;
  bytes: number;
}

export function emptyEdgeStats(): EdgeStatsSnapshot {
  return {
    hits: 0, misses: 0, stale: 0, revalidated: 0, bypass: 0, hitForMiss: 0, originFetches: 0, coalesced: 0, notModified: 0,
    stored: 0, notStored: 0, bytesFromCache: 0, bytesFromOrigin: 0, purges: 0, purgedObjects: 0, purgeMsTotal: 0, purgeMsMax: 0,
    invalidations: 0, objects: 0, bytes: 0,
  };
}

/** Adds `b` into `a` (workers' snapshots); the max stays a max. */
export function addEdgeStats(a: EdgeStatsSnapshot, b: EdgeStatsSnapshot): EdgeStatsSnapshot {
  const out = { ...a };
  for (const name of Object.keys(out) as (keyof EdgeStatsSnapshot)[]) out[name] = name === 'purgeMsMax' ? Math.max(a[name], b[name] ?? 0) : a[name] + (b[name] ?? 0);
  return out;
}

/** Hits (fresh and stale) over lookups that could be served from the edge. */
export function hitRatio(s: EdgeStatsSnapshot): number {
  const served = s.hits + s.stale + s.revalidated;
  const all = served + s.misses;
  return all === 0 ? 0 : served / all;
}
