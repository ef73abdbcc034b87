// One attempt of an exchange on the native engine: the request goes out on one of the server's
// keep-alive connections (upstream-pool.ts), parsed by Node's own llhttp, and the response is
// written straight into the client's ServerResponse, pausing the server's socket while the
// client's buffer is full. Decisions (retry, status, headers) stay in the exchange; this only
// translates the connection's reports into the exchange's connect / response / error calls.
import type { ServerResponse } from 'node:http';
import type { PassThrough } from 'node:stream';
import type { Attempt, Exchange } from './exchange.js';
import { isHopByHop, withoutConnectionOptions } from './headers.js';
import { requestHead } from './request-head.js';
import { turnBatch, type Deferred } from './turn-batch.js';
import type { UpstreamConnection, UpstreamHandler } from './upstream-connection.js';
import type { UpstreamError } from '../errors.js';

/** The attempt's request goes out at the end of the loop turn, with the other requests of the turn (turn-batch.ts). */
export function sendWithNativeParser(exchange: Exchange, attempt: Attempt, body: PassThrough | undefined): void {
  const handler = new NativeAttempt(exchange, attempt, body);
  attempt.canceller = handler;
  turnBatch.add(handler);
}

/** 103 Early Hints: the server's Link headers, passed on to the client. */
function earlyHints(res: ServerResponse, raw: readonly string[]): void {
  const link: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === 'link') link.push(raw[i + 1]);
  if (link.length === 0) return;
  try {
    res.writeEarlyHints({ link });
  } catch {
    // an invalid Link value: the hint is only a hint
  }
}

class NativeAttempt implements UpstreamHandler, Deferred {
  private exchange: Exchange | undefined;
  private attempt: Attempt | undefined;
  private connection: UpstreamConnection | undefined;
  private cancelled = false;
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
    if (this.cancelled || !exchange) return this.release();
    const req = exchange.req;
    const body = this.body;
    this.body = undefined;
    const server = this.attempt!.server;
    const headers = req.headers;
    const head = requestHead(req.method!, req.url!, exchange.upstreamHeaders, body !== undefined && headers['content-length'] === undefined,
      headers.host === undefined ? server.authority : undefined);
    const connection = server.connections.take();
    this.connection = connection;
    connection.send(head, body, body !== undefined && headers['content-length'] === undefined, req.method === 'HEAD', this);
  }

  /** The client went away: the response in flight cannot be used, so its connection goes. */
  cancel(): void {
    this.cancelled = true;
    const connection = this.connection;
    this.release();
    connection?.abort();
  }

  onConnected(): void {
    if (this.exchange) this.exchange.onConnected(this.attempt!);
  }

  onHead(status: number, statusText: string, raw: string[]): void {
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
    if (!this.relay) {
      // dropped for a retry (or refused): the rest of this response is not wanted
      const dropped = this.connection;
      this.release();
      dropped?.abort();
    }
  }

  onBody(chunk: Buffer): boolean {
    if (!this.relay) return true;
    const res = this.exchange!.res;
    if (this.length === chunk.length && this.whole === undefined) {
      this.whole = chunk;
      return true;
    }
    if (res.write(chunk)) return true;
    if (res.destroyed) return true; // the client is gone: cancel() aborts the attempt
    res.once('drain', () => this.connection?.resume());
    return false;
  }

  onEnd(): void {
    this.connection = undefined;
    if (this.relay && this.exchange) {
      // ended at the end of the turn, with the other responses completed in it
      this.attempt!.canceller = undefined;
      turnBatch.add(this);
    } else this.release();
  }

  onFail(error: UpstreamError | NodeJS.ErrnoException): void {
    const exchange = this.exchange;
    const attempt = this.attempt;
    this.release();
    if (!exchange || !attempt) return;
    if (error.code === 'UPSTREAM_CONNECT_TIMEOUT') attempt.connectTimedOut = true;
    else if (error.code === 'UPSTREAM_TIMEOUT') attempt.timedOut = true;
    exchange.onAttemptError(attempt, error as NodeJS.ErrnoException);
  }

  private release(): void {
    if (this.attempt) this.attempt.canceller = undefined;
    this.exchange = undefined;
    this.attempt = undefined;
    this.connection = undefined;
    this.whole = undefined;
  }
}
