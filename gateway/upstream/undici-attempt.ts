// The undici engine: one attempt's request goes out, at the end of the loop turn with the other
// requests of the turn (turn-batch.ts), through the server's undici Pool (`dispatch`: no promise,
// no stream objects per request); undici's handler calls go to the sink. The upstream socket
// pauses while the client's buffer is full (the sink says so).
import type { Dispatcher } from 'undici';
import type { UpstreamCall, UpstreamRequest, UpstreamSink } from './engines.js';
import { turnBatch, type Deferred } from './turn-batch.js';

const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';
const SERVER_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function sendWithUndici(request: UpstreamRequest, sink: UpstreamSink): UpstreamCall {
  const call = new UndiciCall(request, sink);
  turnBatch.add(call);
  return call;
}

/** Drops its links once the attempt is over (see frontend/attempt.ts on why). */
class UndiciCall implements UpstreamCall, Dispatcher.DispatchHandler, Deferred {
  private request: UpstreamRequest | undefined;
  private sink: UpstreamSink | undefined;
  private cancelled = false;
  private abort: ((error?: Error) => void) | undefined;
  private resumeReading: (() => void) | undefined;

  constructor(request: UpstreamRequest, sink: UpstreamSink) {
    this.request = request;
    this.sink = sink;
  }

  /** Turn batch: send the request (unless the client left meanwhile). */
  run(): void {
    const request = this.request;
    this.request = undefined;
    if (!request || this.cancelled) return;
    try {
      request.server.upstream.dispatch({
        path: request.url,
        method: request.method as Dispatcher.HttpMethod,
        // undici frames the body itself (chunked without a Content-Length): the list has no Transfer-Encoding
        headers: request.headers,
        body: request.body ?? null,
      }, this);
    } catch (error) {
      this.onError(error as Error); // a request undici refuses to send: 502 with the request id
    }
  }

  /** The client went away: abort now, or as soon as undici hands the request a connection. */
  cancel(): void {
    this.cancelled = true;
    const abort = this.abort;
    this.release();
    abort?.();
  }

  resume(): void {
    this.resumeReading?.();
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.cancelled || !this.sink) return abort();
    this.abort = abort;
    this.sink.connected();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    const sink = this.sink;
    if (!sink) return true;
    const headers: string[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) headers[i] = raw[i].toString('latin1');
    this.resumeReading = resume;
    if (!sink.head(status, statusText, headers)) this.release(); // undici drains the unwanted body and keeps the connection
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.sink ? this.sink.body(chunk) : true;
  }

  onComplete(): void {
    const sink = this.sink;
    this.release();
    sink?.end();
  }

  onError(error: Error): void {
    const sink = this.sink;
    this.release();
    const code = (error as NodeJS.ErrnoException).code;
    sink?.fail(error as NodeJS.ErrnoException, code === CONNECT_TIMEOUT ? 'connect-timeout' : code !== undefined && SERVER_TIMEOUTS.has(code) ? 'server-timeout' : 'other');
  }

  private release(): void {
    this.request = undefined;
    this.sink = undefined;
    this.abort = undefined;
    this.resumeReading = undefined;
  }
}
