// "direct": the load generator talks to the backends itself, no proxy in between. No process of
// its own, so no CPU column: the floor every proxy is compared to.
import type { Peer } from '../suite.js';
import type { HttpTarget } from '../loadgen/measure.js';

export function directPeer(url: string, name = 'direct', description?: string): Peer<HttpTarget> {
  return {
    name,
    description: description ?? `no proxy: ${url}`,
    async start() {
      return { target: { url }, pids: [], stop: async () => {} };
    },
  };
}
