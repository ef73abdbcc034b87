// Smooth weighted round robin (nginx): every pick adds each server's weight to its running
// score, takes the highest score and subtracts the total weight from it. Weights 5:1:1 give
// a,a,b,a,c,a,a, not a,a,a,a,a,b,c. Deterministic; the rng is not used.
import type { Candidate, PickRequest, Picker } from './candidate.js';

export interface RoundRobinState {
  /** Running score per server id. */
  current: Map<string, number>;
}

export function newRoundRobinState(): RoundRobinState {
  return { current: new Map() };
}

export function pickRoundRobin<C extends Candidate>(servers: readonly C[], state: RoundRobinState): C | undefined {
  if (servers.length === 0) return undefined;
  if (state.current.size > servers.length * 4 + 64) pruneGone(state, servers);
  let total = 0;
  let best: C | undefined;
  let bestScore = -Infinity;
  for (const server of servers) {
    const score = (state.current.get(server.id) ?? 0) + server.weight;
    state.current.set(server.id, score);
    total += server.weight;
    if (score > bestScore) {
      bestScore = score;
      best = server;
    }
  }
  state.current.set(best!.id, bestScore - total);
  return best;
}

function pruneGone(state: RoundRobinState, servers: readonly Candidate[]): void {
  const live = new Set(servers.map((s) => s.id));
  for (const id of state.current.keys()) if (!live.has(id)) state.current.delete(id);
}

export function createRoundRobinPicker(): Picker {
  const state = newRoundRobinState();
  return {
    name: 'roundrobin',
    pick: <C extends Candidate>(servers: readonly C[], _request?: PickRequest) => pickRoundRobin(servers, state),
  };
}
