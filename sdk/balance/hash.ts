// Consistent hashing with bounded load (Mirrokni, Thorup & Zadimoghaddam 2017; Vimeo, Google
// Cloud LB), on the one ring (ring.ts). Each server owns points in proportion to its weight; a key goes to
// the first server clockwise from its hash, unless that server already carries more than
// `balanceFactor` × its fair share of the in-flight requests, in which case the walk goes on.
// Adding one server to n moves about 1/(n+1) of the keys; a hot key spills over instead of
// melting one server. The caller supplies the key (source IP, URI, header or cookie value).
import type { Rng } from '../random.js';
import type { Candidate, PickRequest, Picker } from './candidate.js';
import { hash32, weightedRing, type HashRing } from './ring.js';

export { hash32 };

export interface HashOptions {
  /** Ring points per server of average weight (more points: smoother shares, bigger ring). */
  replicas?: number;
  /** Load bound c ≥ 1: a server takes at most ceil(c × fair share) of in-flight requests (Vimeo: 1.25). 0 turns the bound off. */
  balanceFactor?: number;
}

export interface HashState {
  ring?: HashRing;
  signature?: string;
}

function ringFor(servers: readonly Candidate[], state: HashState, replicas: number): HashRing {
  let signature = '';
  for (const s of servers) signature += `${s.id}\u0000${Math.round(s.weight * 1000)}\u0001`;
  if (!state.ring || state.signature !== signature) {
    state.ring = weightedRing(servers, replicas);
    state.signature = signature;
  }
  return state.ring;
}

export function pickHash<C extends Candidate>(
  servers: readonly C[], state: HashState, rng: Rng, key: string | undefined, options: Required<HashOptions>,
): C | undefined {
  if (servers.length === 0) return undefined;
  if (servers.length === 1) return servers[0];
  const ring = ringFor(servers, state, options.replicas);
  const point = key === undefined ? Math.floor(rng() * 4294967296) : hash32(key);
  const start = ring.at(point);
  if (!(options.balanceFactor > 0)) return servers[ring.owners[start]];
  let totalWeight = 0;
  let totalInFlight = 1; // counting the request being placed
  for (const s of servers) {
    totalWeight += s.weight;
    totalInFlight += s.inFlight;
  }
  const seen = new Set<number>();
  for (let step = 0; step < ring.points.length && seen.size < servers.length; step++) {
    const owner = ring.owners[(start + step) % ring.points.length];
    if (seen.has(owner)) continue;
    seen.add(owner);
    const server = servers[owner];
    const capacity = Math.ceil((options.balanceFactor * totalInFlight * server.weight) / totalWeight);
    if (server.inFlight < capacity) return server;
  }
  return servers[ring.owners[start]];
}

export function createHashPicker(rng: Rng, options: HashOptions = {}): Picker {
  const resolved = { replicas: options.replicas ?? 160, balanceFactor: options.balanceFactor ?? 1.25 };
  if (resolved.balanceFactor !== 0 && resolved.balanceFactor < 1) {
    throw new RangeError(`hash balanceFactor must be 0 (off) or ≥ 1, got ${resolved.balanceFactor}`);
  }
  const state: HashState = {};
  return {
    name: 'hash',
    pick: <C extends Candidate>(servers: readonly C[], request?: PickRequest) => pickHash(servers, state, rng, request?.key, resolved),
  };
}
