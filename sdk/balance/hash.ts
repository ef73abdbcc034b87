// Consistent hashing with bounded load (Mirrokni, Thorup & Zadimoghaddam 2017; Vimeo, Google
// Cloud LB). Each server owns points on a 32-bit ring in proportion to its weight; a key goes to
// the first server clockwise from its hash, unless that server already carries more than
// `balanceFactor` × its fair share of the in-flight requests, in which case the walk goes on.
// Adding one server to n moves about 1/(n+1) of the keys; a hot key spills over instead of
// melting one server. The caller supplies the key (source IP, URI, header or cookie value).
import type { Rng } from '../random.js';
import type { Candidate, PickRequest, Picker } from './candidate.js';

export interface HashOptions {
  /** Ring points per server of average weight (more points: smoother shares, bigger ring). */
  replicas?: number;
  /** Load bound c ≥ 1: a server takes at most ceil(c × fair share) of in-flight requests (Vimeo: 1.25). 0 turns the bound off. */
  balanceFactor?: number;
}

export interface HashRing {
  signature: string;
  points: Uint32Array;
  owners: Uint32Array; // index into the servers array the ring was built from
}

export interface HashState {
  ring?: HashRing;
}

/** FNV-1a over UTF-16 code units, finished with the murmur3 avalanche so nearby keys scatter. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function buildRing(servers: readonly Candidate[], replicas: number, signature: string): HashRing {
  const mean = servers.reduce((sum, s) => sum + s.weight, 0) / servers.length;
  const entries: [number, number][] = [];
  servers.forEach((server, index) => {
    const count = Math.max(1, Math.round((replicas * server.weight) / mean));
    for (let i = 0; i < count; i++) entries.push([hash32(`${server.id}#${i}`), index]);
  });
  entries.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return {
    signature,
    points: Uint32Array.from(entries, (e) => e[0]),
    owners: Uint32Array.from(entries, (e) => e[1]),
  };
}

function ringFor(servers: readonly Candidate[], state: HashState, replicas: number): HashRing {
  let signature = '';
  for (const s of servers) signature += `${s.id}\u0000${Math.round(s.weight * 1000)}\u0001`;
  if (state.ring?.signature !== signature) state.ring = buildRing(servers, replicas, signature);
  return state.ring;
}

/** First ring position at or after `point` (wrapping). */
function lowerBound(points: Uint32Array, point: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid] < point) lo = mid + 1;
    else hi = mid;
  }
  return lo === points.length ? 0 : lo;
}

export function pickHash<C extends Candidate>(
  servers: readonly C[], state: HashState, rng: Rng, key: string | undefined, options: Required<HashOptions>,
): C | undefined {
  if (servers.length === 0) return undefined;
  if (servers.length === 1) return servers[0];
  const ring = ringFor(servers, state, options.replicas);
  const point = key === undefined ? Math.floor(rng() * 4294967296) : hash32(key);
  const start = lowerBound(ring.points, point);
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
