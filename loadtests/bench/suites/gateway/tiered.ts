// Tiered's row in the gateway suite. Until the gateway (issue 4) lands this is a placeholder that
// shows where the row goes; the gateway replaces the body of `tieredGatewayPeer` with a peer that
// starts `tiered gateway` on a free port in front of `options.servers`, with `options.workers`
// workers and the given balancing, and returns `{ target: { url }, pids: [gateway pid], stop }`.
import { pendingPeer, type Peer } from '../../suite.js';
import type { HttpTarget } from '../../loadgen/measure.js';

export interface TieredGatewayPeerOptions {
  /** Row label, e.g. 'tiered' or 'tiered (slow backend)'. */
  name: string;
  /** Upstreams as host:port. */
  servers: string[];
  /** 'default' = Tiered's own default (P2C-EWMA); or a named picker for a like-for-like row. */
  balance: string;
}

export function tieredGatewayPeer(options: TieredGatewayPeerOptions): Peer<HttpTarget> {
  return pendingPeer(options.name, 'Tiered gateway row: added with issue 4 in loadtests/bench/suites/gateway/tiered.ts');
}
