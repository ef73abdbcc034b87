// Where a key lives in a memcached pool: the one consistent-hash ring (sdk/balance/ring.ts) in
// libmemcached's ketama layout, so keys are placed as other ketama clients place them. Adding a
// 5th server to 4 moves about a fifth of the keys (memjs's own `hash % servers` would move about
// four fifths). Pure: no I/O.
import { ketamaHash, ketamaRing } from '../../sdk/balance/ring.js';

export interface KeyPlacement {
  /** Index (into the server list) of the server that owns the key. */
  locate(key: string): number;
  readonly size: number;
}

/** The placement of keys over `servers` (host:port), optionally weighted. */
export function memcachedPlacement(servers: readonly string[], weights?: readonly number[]): KeyPlacement {
  const ring = ketamaRing(servers, weights);
  return { size: ring.size, locate: (key) => ring.owner(ketamaHash(key)) };
}
