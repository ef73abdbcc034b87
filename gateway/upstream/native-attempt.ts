// One attempt of an exchange on the native engine: the request goes out on one of the server's
// keep-alive connections (upstream-pool.ts), parsed by Node's own llhttp, and the response is
// relayed into the client's response (response-relay.ts), pausing the server's socket while
// the client's buffer is full. This only translates the connection's reports.
import type { PassThrough } from 'node:stream';
import type { Attempt, Exchange } from '../frontend/exchange.js';
import { requestHead } from '../frontend/request-head.js';
import { ResponseRelay } from './response-relay.js';
import type { UpstreamConnection, UpstreamHandler } from './upstream-connection.js';
import type { ServerConnectionError } from '../errors.js';

/** The attempt's request goes out at the end of the loop turn, with the other requests of the turn. */
export function sendWithNativeParser(exchange: Exchange, attempt: Attempt, body: PassThrough | undefined): void {
  new NativeAttempt(exchange, attempt, body).start();
}

class NativeAttempt extends ResponseRelay implements UpstreamHandler {
  private connection: UpstreamConnection | undefined;

  protected send(exchange: Exchange, attempt: Attempt, body: PassThrough | undefined): void {
    const req = exchange.req;
    const server = attempt.server;
    const headers = req.headers;
    // node:http de-chunked the client's body: without a Content-Length it goes out chunked again
    const chunked = body !== undefined && headers['content-length'] === undefined;
    const head = requestHead(req.method!, req.url!, exchange.upstreamHeaders, chunked, headers.host === undefined ? server.authority : undefined);
    const connection = server.connections.take();
    this.connection = connection;
    connection.send(head, body, chunked, req.method === 'HEAD', this);
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

  onHead(status: number, statusText: string, headers: string[]): void {
    this.relayHead(status, statusText, headers);
  }

  onBody(chunk: Buffer): boolean {
    return this.relayBody(chunk);
  }

  onEnd(): void {
    this.connection = undefined;
    this.relayEnd();
  }

  onFail(error: ServerConnectionError | NodeJS.ErrnoException): void {
    this.connection = undefined;
    const code = error.code;
    this.relayError(error as NodeJS.ErrnoException, code === 'UPSTREAM_CONNECT_TIMEOUT' ? 'connect-timeout' : code === 'UPSTREAM_TIMEOUT' ? 'server-timeout' : 'other');
  }

  protected resumeUpstream(): void {
    this.connection?.resume();
  }

  /** Read to its end and the connection kept (a retry on the status: usually a short body). */
  protected dropUpstream(): void {
    const connection = this.connection;
    this.release();
    connection?.discard();
  }

  protected override release(): void {
    super.release();
    this.connection = undefined;
  }
}
