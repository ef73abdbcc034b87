// Power of two choices (HAProxy `random(2)`, Envoy LEAST_REQUEST): draw two servers by weight,
// keep the one with fewer in-flight requests per unit of weight; on a tie the first draw wins,
// so an idle pool is spread in proportion to weight.
import type { Rng } from '../random.js';
import { drawTwo, type Candidate, type PickRequest, type Picker } from './candidate.js';

export function pickRandomTwo<C extends Candidate>(servers: readonly C[], rng: Rng): C | undefined {
  if (servers.length === 0) return undefined;
  const [i, j] = drawTwo(servers, rng);
  const a = servers[i];
  const b = servers[j];
  return b.inFlight / b.weight < a.inFlight / a.weight ? b : a;
}

export function createRandomPicker(rng: Rng): Picker {
  return {
    name: 'random',
    pick: <C extends Candidate>(servers: readonly C[], _request?: PickRequest) => pickRandomTwo(servers, rng),
  };
}
