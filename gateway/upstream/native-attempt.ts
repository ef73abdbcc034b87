// The native engine: one attempt's request goes out, at the end of the loop turn with the other
// requests of the turn (turn-batch.ts), on one of the server's keep-alive connections
// (upstream-pool.ts), parsed by Node's own llhttp; what the connection reports goes to the sink.
// The server's socket pauses while the client's buffer is full (the sink says so).
import { requestHead } from '../frontend/request-head.js';
import type { ServerConnectionError } from '../errors.js';
import type { UpstreamCall, UpstreamRequest, UpstreamSink } from './engines.js';
import { turnBatch, type Deferred } from './turn-batch.js';
import type { UpstreamConnection, UpstreamHandler } from './upstream-connection.js';

export function sendWithNativeParser(request: UpstreamRequest, sink: UpstreamSink): UpstreamCall {
  const call = new NativeCall(request, sink);
  turnBatch.add(call);
  return call;
}

/** Drops its links once the attempt is over (see frontend/attempt.ts on why). */
class NativeCall implements UpstreamCall, UpstreamHandler, Deferred {
  private connection: UpstreamConnection | undefined;
  private request: UpstreamRequest | undefined;
  private sink: UpstreamSink | undefined;

  constructor(request: UpstreamRequest, sink: UpstreamSink) {
    this.request = request;
    this.sink = sink;
  }

  /** Turn batch: send the request (unless the client left meanwhile). */
  run(): void {
    const request = this.request;
    this.request = undefined;
    if (!request || !this.sink) return;
    const { server, body, chunked } = request;
    const head = requestHead(request.method, request.url, request.headers, chunked, request.hostMissing ? server.authority : undefined);
    const connection = server.connections.take();
    this.connection = connection;
    connection.send(head, body, chunked, request.method === 'HEAD', this);
  }

  /** The client went away: the response in flight cannot be used, so its connection goes. */
  cancel(): void {
    const connection = this.connection;
    this.release();
    connection?.abort();
  }

  resume(): void {
    this.connection?.resume();
  }

  onConnected(): void {
    this.sink?.connected();
  }

  onHead(status: number, statusText: string, headers: string[]): void {
    const sink = this.sink;
    if (!sink || sink.head(status, statusText, headers)) return;
    // Not wanted (a retry on the status: usually a short body): read to its end, keep the connection.
    const connection = this.connection;
    this.release();
    connection?.discard();
  }

  onBody(chunk: Buffer): boolean {
    return this.sink ? this.sink.body(chunk) : true;
  }

  onEnd(): void {
    const sink = this.sink;
    this.release();
    sink?.end();
  }

  onFail(error: ServerConnectionError | NodeJS.ErrnoException): void {
    const sink = this.sink;
    this.release();
    const code = error.code;
    sink?.fail(error as NodeJS.ErrnoException, code === 'UPSTREAM_CONNECT_TIMEOUT' ? 'connect-timeout' : code === 'UPSTREAM_TIMEOUT' ? 'server-timeout' : 'other');
  }

  private release(): void {
    this.connection = undefined;
    this.request = undefined;
    this.sink = undefined;
  }
}
