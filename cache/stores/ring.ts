// A ketama-style consistent-hash ring (libmemcached's layout): each server owns 160 points
// on a 32-bit circle, four per MD5 digest of `host:port-i`; a key belongs to the first point
// at or after the MD5 of the key. Adding a 5th server to 4 moves about a fifth of the keys
// (memjs's own `hash % servers` would move about four fifths). Pure: no I/O.
import { createHash } from 'node:crypto';

const DIGESTS_PER_SERVER = 40; // × 4 points per digest = 160 points, as ketama

export interface HashRing {
  /** Index (into the list given to buildRing) of the server that owns the key. */
  locate(key: string): number;
  readonly size: number;
}

function md5(text: string): Buffer {
  return createHash('md5').update(text).digest();
}

export function buildRing(servers: readonly string[], weights?: readonly number[]): HashRing {
  if (servers.length === 0) throw new RangeError('a hash ring needs at least one server');
  const points: { hash: number; server: number }[] = [];
  servers.forEach((name, server) => {
    const digests = Math.max(1, Math.round(DIGESTS_PER_SERVER * (weights?.[server] ?? 1)));
    for (let i = 0; i < digests; i++) {
      const digest = md5(`${name}-${i}`);
      for (let part = 0; part < 4; part++) points.push({ hash: digest.readUInt32LE(part * 4), server });
    }
  });
  points.sort((a, b) => a.hash - b.hash || a.server - b.server);
  const hashes = Uint32Array.from(points, (p) => p.hash);
  const owners = Uint16Array.from(points, (p) => p.server);
  return {
    size: servers.length,
    locate(key: string): number {
      if (servers.length === 1) return 0;
      const h = md5(key).readUInt32LE(0);
      let lo = 0;
      let hi = hashes.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (hashes[mid] < h) lo = mid + 1;
        else hi = mid;
      }
      return owners[lo === hashes.length ? 0 : lo];
    },
  };
}
