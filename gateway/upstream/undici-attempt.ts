// One attempt of an exchange on the undici engine: the request goes out through the server's
// undici Pool (`dispatch`, no promise, no stream objects per request) and the response is relayed
// into the client's response (response-relay.ts), pausing the upstream socket while the
// client's buffer is full. This only translates undici's handler calls.
import type { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Attempt, Exchange } from '../frontend/exchange.js';
import { ResponseRelay } from './response-relay.js';

const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';
const SERVER_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The attempt's request goes out at the end of the loop turn, with the other requests of the turn. */
export function sendWithUndici(exchange: Exchange, attempt: Attempt, body: PassThrough | undefined): void {
  new UndiciAttempt(exchange, attempt, body).start();
}

class UndiciAttempt extends ResponseRelay implements Dispatcher.DispatchHandler {
  private abort: ((error?: Error) => void) | undefined;
  private resume: (() => void) | undefined;

  protected send(exchange: Exchange, _attempt: Attempt, body: PassThrough | undefined): void {
    const req = exchange.req;
    try {
      this.attempt!.server.upstream.dispatch({
        path: req.url!,
        method: req.method as Dispatcher.HttpMethod,
        // undici frames the body itself (chunked without a Content-Length): the list has no Transfer-Encoding
        headers: exchange.upstreamHeaders,
        body: body ?? null,
      }, this);
    } catch (error) {
      this.onError(error as Error); // a request undici refuses to send: 502 with the request id
    }
  }

  /** The client went away: abort now, or as soon as undici hands the request a connection. */
  cancel(): void {
    this.cancelled = true;
    this.abort?.();
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.cancelled || !this.exchange) return abort();
    this.abort = abort;
    this.exchange.onConnected(this.attempt!);
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (!this.exchange) return true;
    const headers: string[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) headers[i] = raw[i].toString('latin1');
    this.resume = resume;
    this.relayHead(status, statusText, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.relayBody(chunk);
  }

  onComplete(): void {
    this.relayEnd();
  }

  onError(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    this.relayError(error as NodeJS.ErrnoException, code === CONNECT_TIMEOUT ? 'connect-timeout' : code !== undefined && SERVER_TIMEOUTS.has(code) ? 'server-timeout' : 'other');
  }

  protected resumeUpstream(): void {
    this.resume?.();
  }

  /** undici drains the unwanted body and keeps the connection. */
  protected dropUpstream(): void {}

  protected override release(): void {
    super.release();
    this.abort = undefined;
    this.resume = undefined;
  }
}
