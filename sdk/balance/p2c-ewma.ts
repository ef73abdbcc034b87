// Power of two choices over peak-EWMA latency (Finagle `P2CPeakEwma`, Linkerd): draw two servers
// by weight and keep the cheaper, cost = latency × ((inFlight + 1) / weight)^bias. A server with no
// measurement costs 0 while idle (so new and recovered servers get explored) but a large penalty
// once it holds requests that have not answered yet (so a black hole cannot soak up traffic).
// The latency itself decays with time (ewma.ts), so a slow server is retried now and then.
import type { Rng } from '../random.js';
import { drawTwo, type Candidate, type PickRequest, type Picker } from './candidate.js';

export interface P2cEwmaOptions {
  /** Cost of an unmeasured server with requests in flight, in ms (Finagle: a huge constant). */
  penalty?: number;
  /**
   * Exponent of (inFlight + 1) in the cost (Envoy's `active_request_bias`; Finagle: 1). Between
   * servers of equal latency any exponent keeps the order (fewer in flight wins); between a fast
   * and a slow server it says how many requests in flight on the fast one make the slow one
   * look better: latency ratio ^ (1 / bias). With 1, a burst after a pause of this process (every
   * request arriving at once, picked in one turn before any answer is read) pushes a 1 ms server
   * to 8 in flight and the next request onto a 20 ms server; measured on the gateway's
   * slow-backend benchmark that was 1-1.5 % of requests on the slow server. 0.5 needs 400.
   */
  inFlightBias?: number;
}

export function ewmaCost(server: Candidate, penalty: number, bias = DEFAULT_BIAS): number {
  const latency = server.latency;
  if (latency === undefined) return server.inFlight === 0 ? 0 : (penalty * server.inFlight) / server.weight;
  if (server.inFlight === 0) return latency / server.weight;
  // A decayed estimate buys an idle server one probe, not a burst: while requests are in flight
  // it is costed at its latency as last measured. (A busy server's samples are fresh, so for it
  // the two are the same.) Without this, a slow server idle for a few time constants took every
  // request of its pairs until the probe's answer came back (measured: up to 1 % of requests on
  // the 20x-slow server of the slow-backend bench).
  const measured = server.measuredLatency;
  const basis = measured !== undefined && measured > latency ? measured : latency;
  // The bias applies to the load per unit of weight, so equal servers still share in proportion to weight.
  const perWeight = (server.inFlight + 1) / server.weight;
  return basis * (bias === 1 ? perWeight : bias === 0.5 ? Math.sqrt(perWeight) : perWeight ** bias);
}

const DEFAULT_BIAS = 0.5;

export function pickP2cEwma<C extends Candidate>(servers: readonly C[], rng: Rng, penalty: number, bias = DEFAULT_BIAS): C | undefined {
  if (servers.length === 0) return undefined;
  const [i, j] = drawTwo(servers, rng);
  const a = servers[i];
  const b = servers[j];
  return ewmaCost(b, penalty, bias) < ewmaCost(a, penalty, bias) ? b : a;
}

export function createP2cEwmaPicker(rng: Rng, options: P2cEwmaOptions = {}): Picker {
  const penalty = options.penalty ?? 60_000;
  const bias = options.inFlightBias ?? DEFAULT_BIAS;
  if (!(bias > 0)) throw new RangeError(`inFlightBias must be > 0, got ${bias}`);
  return {
    name: 'p2c-ewma',
    pick: <C extends Candidate>(servers: readonly C[], _request?: PickRequest) => pickP2cEwma(servers, rng, penalty, bias),
  };
}

/**
 * The server expected to answer one more request soonest: the lowest latency as last measured
 * (no decay), ties to fewer in flight; unmeasured servers last. For hedges: a hedge is sent
 * because its request is already late, so it must go where an answer comes fastest, and it is no
 * place to explore. P2C's cost multiplies latency by in-flight count to spread load, which makes
 * an idle slow server look as cheap as a busy fast one, and the decayed estimate makes an idle
 * slow server look fast: right for first attempts, wrong for hedges. Worse, a hedge to the slow
 * server is usually cancelled before it answers, so it never corrects the estimate (measured:
 * nearly every hedge of the slow-host benchmark went to the slow host, p99.9 3-4x worse).
 */
export function pickFastest<C extends Candidate>(servers: readonly C[]): C | undefined {
  let best: C | undefined;
  for (const s of servers) {
    if (best === undefined || fasterThan(s, best)) best = s;
  }
  return best;
}

function fasterThan(a: Candidate, b: Candidate): boolean {
  const la = a.measuredLatency ?? a.latency;
  const lb = b.measuredLatency ?? b.latency;
  if (la === undefined) return false;
  if (lb === undefined) return true;
  return la < lb || (la === lb && a.inFlight < b.inFlight);
}
