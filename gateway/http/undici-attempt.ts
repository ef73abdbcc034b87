// One attempt of an exchange on the undici engine: the request goes out through the server's
// undici Pool (`dispatch`, no promise, no stream objects per request) and the response is
// written straight into the client's ServerResponse, pausing the upstream socket while the
// client's buffer is full. Decisions (retry, status, headers) stay in the exchange; this
// only translates undici's handler calls into the exchange's connect / response / error calls.
import type { ServerResponse } from 'node:http';
import type { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Attempt, Exchange } from './exchange.js';
import { isHopByHop, withoutConnectionOptions } from './headers.js';
import { turnBatch, type Deferred } from './turn-batch.js';

const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';
const SERVER_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The attempt's request goes out at the end of the loop turn, with the other requests of the turn (turn-batch.ts). */
export function sendWithUndici(exchange: Exchange, attempt: Attempt, body: PassThrough | undefined): void {
  const handler = new UndiciAttempt(exchange, attempt, body);
  attempt.canceller = handler;
  turnBatch.add(handler);
}

/** 103 Early Hints: the server's Link headers, passed on to the client. */
function earlyHints(res: ServerResponse, raw: Buffer[]): void {
  const link: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toString('latin1').toLowerCase() === 'link') link.push(raw[i + 1].toString('latin1'));
  if (link.length === 0) return;
  try {
    res.writeEarlyHints({ link });
  } catch {
    // an invalid Link value: the hint is only a hint
  }
}

/**
 * The handler drops its links to the exchange once the attempt is over: undici keeps a finished
 * request object reachable for a while, and an exchange reachable from it survives young-generation
 * collections (measured: ~9 MB promoted per scavenge at 10k req/s, 8-18 ms scavenges, until the
 * links were cut).
 */
class UndiciAttempt implements Dispatcher.DispatchHandler, Deferred {
  private exchange: Exchange | undefined;
  private attempt: Attempt | undefined;
  private abort: ((error?: Error) => void) | undefined;
  private cancelled = false;
  /** The response goes to the client (false: dropped for a retry, or no response yet). */
  private relay = false;
  private resume: (() => void) | undefined;
  /** Declared Content-Length of the response (-1: none). */
  private length = -1;
  /** A body that came whole in its first chunk waits for onComplete: one end(chunk), one write. */
  private whole: Buffer | undefined;
  /** run() has sent the request: its next call ends the completed response. */
  private sent = false;
  /** The request body, until the request is sent. */
  private body: PassThrough | undefined;

  constructor(exchange: Exchange, attempt: Attempt, body: PassThrough | undefined) {
    this.exchange = exchange;
    this.attempt = attempt;
    this.body = body;
  }

  /** Turn batch: send the request (unless the client left meanwhile), or end the completed response. */
  run(): void {
    const exchange = this.exchange;
    if (this.sent) {
      // the response is complete: end it with the others of this turn
      const whole = this.whole;
      this.release();
      if (exchange && !exchange.res.destroyed) {
        exchange.res.end(whole);
        exchange.responseEnded();
      }
      return;
    }
    this.sent = true;
    if (this.cancelled || !exchange) return this.release(); // the exchange already ended the attempt
    const req = exchange.req;
    const body = this.body;
    this.body = undefined;
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
    if (status < 200) {
      // Interim responses: 103 Early Hints go on to the client (its Link headers), as HAProxy
      // forwards them; the client's own 100-continue was already answered by Node.
      if (status === 103 && !this.exchange.res.headersSent) earlyHints(this.exchange.res, raw);
      return true;
    }
    const headers: string[] = [];
    let connection: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString('latin1');
      const value = raw[i + 1].toString('latin1');
      if (name.length === 14) {
        if (name.toLowerCase() === 'content-length') this.length = Number(value);
      } else if (isHopByHop(name)) {
        if (name.length === 10 && name.toLowerCase() === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
        continue;
      }
      headers.push(name, value);
    }
    this.resume = resume;
    this.relay = this.exchange.onResponse(this.attempt!, status, statusText || undefined, withoutConnectionOptions(headers, connection));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (!this.relay) return true;
    const res = this.exchange!.res;
    if (this.length === chunk.length && this.whole === undefined) {
      this.whole = chunk;
      return true;
    }
    if (res.write(chunk)) return true;
    if (res.destroyed) return true; // the client is gone: cancel() aborts the attempt
    // A closure only here: a per-instance arrow field costs a name-keeping call on every request under tsx.
    res.once('drain', () => this.resume?.());
    return false;
  }

  onComplete(): void {
    if (this.relay && this.exchange) {
      // ended at the end of the turn, with the other responses completed in it
      this.attempt!.canceller = undefined;
      turnBatch.add(this);
    } else this.release();
  }

  onError(error: Error): void {
    const exchange = this.exchange;
    const attempt = this.attempt;
    this.release();
    if (!exchange || !attempt) return;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === CONNECT_TIMEOUT) attempt.connectTimedOut = true;
    else if (code !== undefined && SERVER_TIMEOUTS.has(code)) attempt.timedOut = true;
    exchange.onAttemptError(attempt, error as NodeJS.ErrnoException);
  }

  private release(): void {
    if (this.attempt) this.attempt.canceller = undefined;
    this.exchange = undefined;
    this.attempt = undefined;
    this.abort = undefined;
    this.resume = undefined;
    this.whole = undefined;
  }
}
