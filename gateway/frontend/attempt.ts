// One attempt of an exchange on one server, and the sink its upstream engine reports to
// (upstream/engines.ts). Here the response reaches the client: interim 103s passed on, the head
// filtered (hop-by-hop, Connection options) and handed to the exchange, which decides (retry,
// status, headers); the body written with backpressure; a body that came whole in its first chunk
// ended with the others of its loop turn (one end(chunk), one write: turn-batch.ts). Only the
// exchange and its attempts write to the client.
import type { PassThrough } from 'node:stream';
import type { ServerRuntime } from '../backend/server.js';
import type { FailureKind, UpstreamCall, UpstreamSink } from '../upstream/engines.js';
import { turnBatch, type Deferred } from '../upstream/turn-batch.js';
import type { Exchange } from './exchange.js';
import type { FrontResponse } from './front.js';
import { responseHeaders } from './headers.js';

/** 103 Early Hints: the server's Link headers, passed on to the client. */
function earlyHints(res: FrontResponse, raw: readonly string[]): void {
  const link: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === 'link') link.push(raw[i + 1]);
  if (link.length === 0) return;
  try {
    res.writeEarlyHints({ link });
  } catch {
    // an invalid Link value: the hint is only a hint
  }
}

/**
 * The attempt drops its link to the exchange once it is over: an engine may keep a finished
 * request object reachable for a while, and an exchange reachable from it survives
 * young-generation collections (measured on undici: ~9 MB promoted per scavenge at 10k req/s,
 * 8-18 ms scavenges, until the links were cut).
 */
export class Attempt implements UpstreamSink, Deferred {
  connectedAt = 0;
  /** Ended in the pool (in-flight, EWMA, outlier): once. */
  ended = false;
  connectTimedOut = false;
  timedOut = false;
  /** The request body for this attempt: fed from the client only once the server is connected. */
  requestBody: PassThrough | undefined;
  /** The engine's handle while the attempt runs. */
  call: UpstreamCall | undefined;
  private exchange: Exchange | undefined;
  /** The response goes to the client (false: dropped for a retry, or no response yet). */
  private relay = false;
  /** Declared Content-Length of the response (-1: none). */
  private length = -1;
  /** A body that came whole in its first chunk waits for the end of the turn. */
  private whole: Buffer | undefined;

  constructor(exchange: Exchange, readonly server: ServerRuntime, readonly startedAt: number, readonly retry: boolean) {
    this.exchange = exchange;
  }

  /** The client went away, or the exchange gave up on this attempt: stop it on the engine. */
  cancel(): void {
    const call = this.call;
    this.release();
    call?.cancel();
  }

  connected(): void {
    this.exchange?.onConnected(this);
  }

  head(status: number, statusText: string, raw: readonly string[]): boolean {
    const exchange = this.exchange;
    if (!exchange) return false;
    if (status < 200) {
      // Interim responses: 103 Early Hints go on to the client (its Link headers), as HAProxy
      // forwards them; the client's own 100-continue was already answered by Node.
      if (status === 103 && !exchange.res.headersSent) earlyHints(exchange.res, raw);
      return true;
    }
    const { headers, contentLength } = responseHeaders(raw);
    this.length = contentLength;
    this.relay = exchange.onResponse(this, status, statusText || undefined, headers);
    if (!this.relay) this.release();
    return this.relay;
  }

  body(chunk: Buffer): boolean {
    if (!this.relay || !this.exchange) return true;
    const res = this.exchange.res;
    if (this.length === chunk.length && this.whole === undefined) {
      this.whole = chunk;
      return true;
    }
    if (res.write(chunk)) return true;
    if (res.destroyed) return true; // the client is gone: the exchange cancels the attempt
    // A closure only here: a per-instance arrow field costs a name-keeping call on every request under tsx.
    res.once('drain', () => this.call?.resume());
    return false;
  }

  /** The response is complete: ended at the end of the turn, with the other responses completed in it. */
  end(): void {
    if (this.relay && this.exchange) {
      this.call = undefined;
      turnBatch.add(this);
    } else this.release();
  }

  /** Turn batch: end the completed response. */
  run(): void {
    const exchange = this.exchange;
    const whole = this.whole;
    this.release();
    if (exchange && !exchange.res.destroyed) {
      exchange.res.end(whole);
      exchange.responseEnded();
    }
  }

  fail(error: NodeJS.ErrnoException, kind: FailureKind): void {
    const exchange = this.exchange;
    this.release();
    if (!exchange) return;
    if (kind === 'connect-timeout') this.connectTimedOut = true;
    else if (kind === 'server-timeout') this.timedOut = true;
    exchange.onAttemptError(this, error);
  }

  private release(): void {
    this.exchange = undefined;
    this.call = undefined;
    this.whole = undefined;
  }
}
