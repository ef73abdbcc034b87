// The one consistent-hash ring of Tiered: servers own points on a 32-bit circle, a key belongs to
// the first point at or after its hash. Two layouts of points, one structure and one lookup:
// - `ketamaRing`: libmemcached's ketama layout (160 points per server, four per MD5 digest of
//   `host:port-i`; the key's hash is its MD5's first four bytes), so the cache's memcached pool
//   places keys as other ketama clients do;
// - `weightedRing`: points from a fast 32-bit hash (hash32), in proportion to weight, for the
//   `hash` balancer (sdk/balance/hash.ts, which adds the bounded-load walk).
// Adding one server to n moves about 1/(n+1) of the keys, all of them to the new server. Pure.
import { createHash } from 'node:crypto';

export interface HashRing {
  /** Servers the ring was built from. */
  readonly size: number;
  /** Point hashes, ascending. */
  readonly points: Uint32Array;
  /** owners[i]: index (into the server list the ring was built from) of the server owning points[i]. */
  readonly owners: Uint32Array;
  /** Index into `points` of the first point at or after `hash` (wrapping to 0). */
  at(hash: number): number;
  /** Index of the server owning `hash`. */
  owner(hash: number): number;
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

/** A key's position in ketama's layout: the first four bytes of its MD5, little-endian. */
export function ketamaHash(key: string): number {
  return createHash('md5').update(key).digest().readUInt32LE(0);
}

/** A ring from [point hash, owner index] entries (sorted here; ties broken by owner). */
export function ringOf(entries: [number, number][], size: number): HashRing {
  if (size === 0) throw new RangeError('a hash ring needs at least one server');
  entries.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const points = Uint32Array.from(entries, (e) => e[0]);
  const owners = Uint32Array.from(entries, (e) => e[1]);
  const at = (hash: number): number => {
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  };
  return { size, points, owners, at, owner: (hash) => (size === 1 ? 0 : owners[at(hash)]) };
}

const KETAMA_DIGESTS = 40; // × 4 points per digest = 160 points per server, as ketama

/** libmemcached's ketama ring over `servers` (host:port), optionally weighted. */
export function ketamaRing(servers: readonly string[], weights?: readonly number[]): HashRing {
  const entries: [number, number][] = [];
  servers.forEach((name, server) => {
    const digests = Math.max(1, Math.round(KETAMA_DIGESTS * (weights?.[server] ?? 1)));
    for (let i = 0; i < digests; i++) {
      const digest = createHash('md5').update(`${name}-${i}`).digest();
      for (let part = 0; part < 4; part++) entries.push([digest.readUInt32LE(part * 4), server]);
    }
  });
  return ringOf(entries, servers.length);
}

/** `replicas` points per server of average weight, from hash32 of `id#i`. */
export function weightedRing(servers: readonly { id: string; weight: number }[], replicas: number): HashRing {
  const mean = servers.reduce((sum, s) => sum + s.weight, 0) / servers.length;
  const entries: [number, number][] = [];
  servers.forEach((server, index) => {
    const count = Math.max(1, Math.round((replicas * server.weight) / mean));
    for (let i = 0; i < count; i++) entries.push([hash32(`${server.id}#${i}`), index]);
  });
  return ringOf(entries, servers.length);
}
