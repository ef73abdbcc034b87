// The origin a frontend's CDN edge fetches from (gateway/edge/seam.ts): the frontend's backend,
// through the same server choice (pool, picker, maxconn queue, health) and the same upstream
// engines as the exchange, reporting to the edge's flight instead of a client. A connect failure
// is tried once more on another server (connect failures are retryable for any request);
// nothing here writes to a client: the flight hands the response to each waiting exchange.
import type { Outcome } from '../../sdk/balance/server-pool.js';
import type { BackendRuntime, Slot } from '../backend/backend.js';
import { engine, type FailureKind, type UpstreamCall, type UpstreamSink } from '../upstream/engines.js';
import type { Origin, OriginCall, OriginRequest, OriginSink } from '../edge/seam.js';
import { isHopByHop } from './headers.js';
import { nativeParser } from './llhttp.js';

export function edgeOrigin(backendOf: () => BackendRuntime | undefined): Origin {
  return (request, sink) => new OriginFetch(backendOf, request, sink).start();
}

class OriginFetch implements UpstreamSink, OriginCall {
  private slot: Slot | undefined;
  private call: UpstreamCall | undefined;
  private cancelWait: (() => void) | undefined;
  private readonly tried = new Set<string>();
  private responded = false;
  private done = false;
  private readonly headers: string[] = [];

  constructor(private readonly backendOf: () => BackendRuntime | undefined, private readonly request: OriginRequest, private readonly sink: OriginSink) {
    for (const name in request.headers) if (!isHopByHop(name) && name !== 'expect') this.headers.push(name, request.headers[name]);
  }

  start(): OriginCall {
    this.acquire();
    return this;
  }

  private acquire(): void {
    const backend = this.backendOf();
    if (!backend) return this.error(503, 'no backend');
    const slot = backend.take({ exclude: this.tried });
    if (slot) return this.send(backend, slot);
    this.cancelWait = backend.wait((waited, failure) => {
      this.cancelWait = undefined;
      if (this.done) {
        if (waited) backend.end(waited, 'cancelled');
      } else if (waited) this.send(backend, waited);
      else this.error(503, failure === 'queue-timeout' ? 'no server slot freed in time' : failure === 'queue-full' ? 'queue full' : 'no server available');
    });
  }

  private send(backend: BackendRuntime, slot: Slot): void {
    if (this.done) return backend.end(slot, 'cancelled');
    this.slot = slot;
    this.tried.add(slot.server.name);
    const name = backend.config.engine === 'undici' || (backend.config.engine === 'http-proxy-3' && !nativeParser) ? 'undici' : 'native';
    this.call = engine(name)({
      server: slot.server, method: 'GET', url: this.request.url, headers: this.headers, hostMissing: this.request.headers.host === undefined,
      body: undefined, chunked: false, timeouts: backend.config.timeouts,
    }, this);
  }

  private finish(outcome: Outcome): void {
    const slot = this.slot;
    this.slot = undefined;
    this.call = undefined;
    if (slot) this.backendOf()?.end(slot, outcome);
  }

  connected(): void {}

  head(status: number, _statusText: string, raw: readonly string[]): boolean {
    if (this.done) return false;
    if (status < 200) return true;
    this.responded = true;
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (!isHopByHop(raw[i])) headers.push(raw[i], raw[i + 1]);
    this.sink.head(status, headers);
    return true;
  }

  body(chunk: Buffer): boolean {
    return this.done ? true : this.sink.body(chunk);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.finish('success');
    this.sink.end();
  }

  fail(error: NodeJS.ErrnoException, kind: FailureKind): void {
    if (this.done) return;
    const connected = kind !== 'connect-timeout' && this.call !== undefined && this.responded;
    const slot = this.slot;
    if (!this.responded && kind !== 'server-timeout' && slot && (error.code === 'ECONNREFUSED' || kind === 'connect-timeout')) {
      slot.server.stats.errors.connect++;
      this.finish('connect-error');
      const backend = this.backendOf();
      if (backend && this.tried.size < backend.servers.size && this.tried.size <= backend.config.retries.attempts) return this.acquire();
      return this.error(502, `cannot connect to server (${kind === 'connect-timeout' ? 'timeout' : error.code ?? error.message})`);
    }
    this.finish(kind === 'server-timeout' ? 'timeout' : 'reset');
    if (connected) this.error(502, `server closed the connection (${error.code ?? error.message})`);
    else this.error(kind === 'server-timeout' ? 504 : 502, kind === 'server-timeout' ? 'server timeout' : `server closed the connection (${error.code ?? error.message})`);
  }

  private error(status: number, detail: string): void {
    this.done = true;
    this.sink.error(status, detail);
  }

  resume(): void {
    this.call?.resume();
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.cancelWait?.();
    const call = this.call;
    this.finish('cancelled');
    call?.cancel();
  }
}
