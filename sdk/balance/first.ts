// HAProxy `first`: the first server (in configured order) with a free connection slot takes the
// request, so the others can be idle or switched off. Without maxconn it is always the first.
import type { Candidate, PickRequest, Picker } from './candidate.js';

export function pickFirst<C extends Candidate>(servers: readonly C[]): C | undefined {
  for (const server of servers) {
    if (server.maxconn === 0 || server.inFlight < server.maxconn) return server;
  }
  return undefined;
}

export function createFirstPicker(): Picker {
  return {
    name: 'first',
    pick: <C extends Candidate>(servers: readonly C[], _request?: PickRequest) => pickFirst(servers),
  };
}
