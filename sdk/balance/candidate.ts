// The one shape every picker shares. A picker chooses one server out of the ELIGIBLE set the
// pool hands it (eligible.ts decided health, admin state, backup, panic and maxconn); it never
// looks at health itself. Random source and clock are injected.
import type { Rng } from '../random.js';

/** What a picker may read about a server. Live values (inFlight, latency) are read at pick time. */
export interface Candidate {
  /** Stable identity (server name); hash rings and round-robin state are keyed by it. */
  readonly id: string;
  /** Effective weight (> 0): configured weight, ramped during slowstart. */
  readonly weight: number;
  /** Requests in flight on this server right now. */
  readonly inFlight: number;
  /** Concurrency limit; 0 means unlimited. */
  readonly maxconn: number;
  /** Peak-EWMA latency in ms right now; undefined while the server has no measurement. */
  readonly latency?: number;
  /**
   * The same estimate as of its last sample, without the decay since. The decay exists to send a
   * slow server a request now and then (exploration); a hedge must not be that request.
   */
  readonly measuredLatency?: number;
}

/** Per-request input to a pick: the hash key (source IP, URI, header, cookie) when balancing by hash. */
export interface PickRequest {
  key?: string;
}

export const BALANCE_NAMES = ['roundrobin', 'leastconn', 'random', 'p2c-ewma', 'hash', 'first'] as const;
export type BalanceName = (typeof BALANCE_NAMES)[number];

/** A load-balancer policy with its own state (round-robin position, hash ring). */
export interface Picker {
  readonly name: BalanceName;
  pick<C extends Candidate>(servers: readonly C[], request?: PickRequest): C | undefined;
}

/** Index of one server drawn with probability proportional to weight. */
export function weightedIndex(servers: readonly Candidate[], rng: Rng, skip = -1): number {
  let total = 0;
  for (let i = 0; i < servers.length; i++) if (i !== skip) total += servers[i].weight;
  let r = rng() * total;
  let last = -1;
  for (let i = 0; i < servers.length; i++) {
    if (i === skip) continue;
    last = i;
    r -= servers[i].weight;
    if (r < 0) return i;
  }
  return last;
}

/** Two distinct indexes drawn by weight (power of two choices); one when there is one server. */
export function drawTwo(servers: readonly Candidate[], rng: Rng): [number, number] {
  const first = weightedIndex(servers, rng);
  if (servers.length < 2) return [first, first];
  return [first, weightedIndex(servers, rng, first)];
}
