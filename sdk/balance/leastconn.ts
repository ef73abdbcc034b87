// Weighted least connections (HAProxy leastconn): the server with the fewest in-flight requests
// per unit of weight. Ties are broken at random so equal servers share the load.
import type { Rng } from '../random.js';
import type { Candidate, PickRequest, Picker } from './candidate.js';

export function pickLeastConn<C extends Candidate>(servers: readonly C[], rng: Rng): C | undefined {
  let best: C | undefined;
  let bestLoad = Infinity;
  let ties = 0;
  for (const server of servers) {
    const load = (server.inFlight + 1) / server.weight;
    if (load < bestLoad) {
      best = server;
      bestLoad = load;
      ties = 1;
    } else if (load === bestLoad) {
      ties++;
      if (rng() * ties < 1) best = server; // reservoir choice among equals
    }
  }
  return best;
}

export function createLeastConnPicker(rng: Rng): Picker {
  return {
    name: 'leastconn',
    pick: <C extends Candidate>(servers: readonly C[], _request?: PickRequest) => pickLeastConn(servers, rng),
  };
}
