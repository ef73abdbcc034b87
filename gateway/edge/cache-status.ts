// The headers an answer of the edge carries (pure): Cache-Status (RFC 9211, cache name
// `Tiered`) and the short X-Cache that dashboards and curl users read.

export type XCache = 'HIT' | 'MISS' | 'STALE' | 'REVALIDATED' | 'BYPASS';

export interface Outcome {
  x: XCache;
  /** RFC 9211 parameters after the cache name, e.g. `hit; ttl=30` or `fwd=miss; stored`. */
  params: string;
}

export const outcomes = {
  hit: (ttl: number): Outcome => ({ x: 'HIT', params: `hit; ttl=${Math.floor(ttl)}` }),
  grace: (ttl: number): Outcome => ({ x: 'STALE', params: `hit; ttl=${Math.floor(ttl)}; detail=stale-while-revalidate` }),
  staleIfError: (ttl: number, status: number): Outcome => ({ x: 'STALE', params: `fwd=stale; fwd-status=${status}; ttl=${Math.floor(ttl)}; detail=stale-if-error` }),
  revalidated: (ttl: number, collapsed: boolean): Outcome => ({ x: 'REVALIDATED', params: `fwd=stale; fwd-status=304; ttl=${Math.floor(ttl)}${collapsed ? '; collapsed' : ''}` }),
  miss: (status: number, stored: boolean, collapsed: boolean, why: 'miss' | 'stale' | 'request' | 'vary-miss' = 'miss'): Outcome => ({
    x: 'MISS', params: `fwd=${why}; fwd-status=${status}${stored ? '; stored' : ''}${collapsed ? '; collapsed' : ''}`,
  }),
  bypass: (detail: string): Outcome => ({ x: 'BYPASS', params: `fwd=bypass; detail=${detail}` }),
};

export function outcomeHeaders(outcome: Outcome): string[] {
  return ['cache-status', `Tiered; ${outcome.params}`, 'x-cache', outcome.x];
}
