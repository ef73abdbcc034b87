// The upstream engines, behind one seam: each carries one attempt of an exchange to a server
// (`EngineSend`) and reports back to the exchange (connected, response head, body, end, error).
// The exchange looks its engine up here by the backend's `engine` setting and imports none of
// them; gateway.ts registers the three (native, undici, http-proxy-3) once at start.
import type { PassThrough } from 'node:stream';
import type { Attempt, Exchange } from '../frontend/exchange.js';

export type EngineName = 'native' | 'undici' | 'http-proxy-3';

/** Sends one attempt; the engine reports through the exchange's onConnected/onResponse/onAttemptError. */
export type EngineSend = (exchange: Exchange, attempt: Attempt, body: PassThrough | undefined) => void;

const engines = new Map<EngineName, EngineSend>();

export function registerEngine(name: EngineName, send: EngineSend): void {
  engines.set(name, send);
}

/** The engine for `name` (config validation only lets registered names through). */
export function engine(name: EngineName): EngineSend {
  const send = engines.get(name);
  if (!send) throw new Error(`upstream engine ${name} is not registered (gateway.ts registers every engine at start)`);
  return send;
}
