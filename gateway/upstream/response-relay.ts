// What the native and undici attempts share: one attempt's request goes out at the end of the
// loop turn (turn-batch.ts), and its response is relayed into the client's response (front.ts): interim
// 103s passed on, the head filtered (hop-by-hop, Connection options) and handed to the exchange,
// which decides (retry, status, headers), the body written with backpressure, and a body that came
// whole in its first chunk ended with the others of its turn (one end(chunk), one write). The
// engines only say how a request is sent and how their upstream is paused, resumed or aborted.
import type { FrontResponse } from '../frontend/front.js';
import type { PassThrough } from 'node:stream';
import type { Attempt, Exchange } from '../frontend/exchange.js';
import { isHopByHop, withoutConnectionOptions } from '../frontend/headers.js';
import { turnBatch, type Deferred } from './turn-batch.js';

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
 * The relay drops its links to the exchange once the attempt is over: an engine may keep a
 * finished request object reachable for a while, and an exchange reachable from it survives
 * young-generation collections (measured on undici: ~9 MB promoted per scavenge at 10k req/s,
 * 8-18 ms scavenges, until the links were cut).
 */
export abstract class ResponseRelay implements Deferred {
  protected exchange: Exchange | undefined;
  protected attempt: Attempt | undefined;
  protected cancelled = false;
  /** The response goes to the client (false: dropped for a retry, or no response yet). */
  private relay = false;
  /** Declared Content-Length of the response (-1: none). */
  private length = -1;
  /** A body that came whole in its first chunk waits for the end: one end(chunk), one write. */
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

  /** The client went away: stop the attempt on the engine. */
  abstract cancel(): void;

  /** Hands the attempt its canceller and queues the send for the end of this loop turn (turn-batch.ts). */
  start(): void {
    this.attempt!.canceller = this;
    turnBatch.add(this);
  }

  /** Sends the request on the engine (the client is still there). */
  protected abstract send(exchange: Exchange, attempt: Attempt, body: PassThrough | undefined): void;
  /** The client drained: read the server again. */
  protected abstract resumeUpstream(): void;
  /** The response is not wanted (a retry, or a head the client cannot take): stop reading it. */
  protected abstract dropUpstream(): void;

  /** Turn batch: send the request (unless the client left meanwhile), or end the completed response. */
  run(): void {
    const exchange = this.exchange;
    if (this.sent) {
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
    const body = this.body;
    this.body = undefined;
    this.send(exchange, this.attempt!, body);
  }

  /** A response head, names and values as sent (1xx included). */
  protected relayHead(status: number, statusText: string, raw: readonly string[]): void {
    const exchange = this.exchange;
    if (!exchange) return;
    if (status < 200) {
      // Interim responses: 103 Early Hints go on to the client (its Link headers), as HAProxy
      // forwards them; the client's own 100-continue was already answered by Node.
      if (status === 103 && !exchange.res.headersSent) earlyHints(exchange.res, raw);
      return;
    }
    const headers: string[] = [];
    let connection: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      const value = raw[i + 1];
      if (name.length === 14) {
        if (name.toLowerCase() === 'content-length') this.length = Number(value);
      } else if (isHopByHop(name)) {
        if (name.length === 10 && name.toLowerCase() === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
        continue;
      }
      headers.push(name, value);
    }
    this.relay = exchange.onResponse(this.attempt!, status, statusText || undefined, withoutConnectionOptions(headers, connection));
    if (!this.relay) this.dropUpstream();
  }

  /** A body chunk; false = the client's buffer is full (the engine pauses until resumeUpstream()). */
  protected relayBody(chunk: Buffer): boolean {
    if (!this.relay) return true;
    const res = this.exchange!.res;
    if (this.length === chunk.length && this.whole === undefined) {
      this.whole = chunk;
      return true;
    }
    if (res.write(chunk)) return true;
    if (res.destroyed) return true; // the client is gone: the exchange cancels the attempt
    // A closure only here: a per-instance arrow field costs a name-keeping call on every request under tsx.
    res.once('drain', () => this.resumeUpstream());
    return false;
  }

  /** The response is complete: ended at the end of the turn, with the other responses completed in it. */
  protected relayEnd(): void {
    if (this.relay && this.exchange) {
      this.attempt!.canceller = undefined;
      turnBatch.add(this);
    } else this.release();
  }

  /** The attempt failed: the exchange retries or answers 502/504. */
  protected relayError(error: NodeJS.ErrnoException, kind: 'connect-timeout' | 'server-timeout' | 'other'): void {
    const exchange = this.exchange;
    const attempt = this.attempt;
    this.release();
    if (!exchange || !attempt) return;
    if (kind === 'connect-timeout') attempt.connectTimedOut = true;
    else if (kind === 'server-timeout') attempt.timedOut = true;
    exchange.onAttemptError(attempt, error);
  }

  protected release(): void {
    if (this.attempt) this.attempt.canceller = undefined;
    this.exchange = undefined;
    this.attempt = undefined;
    this.whole = undefined;
  }
}
