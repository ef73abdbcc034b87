// One keep-alive HTTP/1.1 connection from the gateway to a server, for the native engine: a TCP
// socket and a native llhttp response parser (llhttp.ts), one request at a time. It writes the
// request head the gateway built, streams the request body (framed chunked when the client sent
// no Content-Length), and reports the response to its handler: head, body chunks, end, or one
// failure. It knows nothing of balancing or retries; its pool (upstream-pool.ts) keeps it idle
// between requests.
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { nativeParser, type NativeParser } from '../frontend/llhttp.js';
import { ServerConnectionError } from '../errors.js';

export interface UpstreamHandler {
  /** The request head is written: the request body may flow now. */
  onConnected(): void;
  /** The final response head (`headers` as sent, [name, value, …]); 1xx come through too. */
  onHead(status: number, statusText: string, headers: string[]): void;
  /** A body chunk; false = the client's buffer is full (call resume() on its drain). */
  onBody(chunk: Buffer): boolean;
  /** The response is complete. */
  onEnd(): void;
  /** The attempt failed; nothing more is reported. */
  onFail(error: ServerConnectionError | NodeJS.ErrnoException): void;
}

export interface ConnectionOwner {
  readonly host: string;
  readonly port: number;
  readonly connectTimeout: number;
  readonly serverTimeout: number;
  /** The response is complete and the connection may carry another request. */
  release(connection: UpstreamConnection): void;
  /** The connection closed (either side). */
  forget(connection: UpstreamConnection): void;
}

/** Takes a response nobody wants, to its end (discard()). */
const DISCARD: UpstreamHandler = { onConnected() {}, onHead() {}, onBody: () => true, onEnd() {}, onFail() {} };

/** The server's Keep-Alive hint minus this is how long an idle connection is kept (undici: 1 s). */
const KEEP_ALIVE_MARGIN = 1_000;
/** Idle time without a hint from the server (undici's default). */
export const DEFAULT_IDLE_MS = 4_000;
const KEEP_ALIVE_TIMEOUT = /timeout\s*=\s*(\d+)/i;

export class UpstreamConnection {
  readonly socket: Socket;
  private readonly parser: NativeParser;
  private handler: UpstreamHandler | undefined;
  /** The socket is connected (a reused connection always is). */
  private connected = false;
  /** The request head waiting for the connect. */
  private pendingHead: string | undefined;
  private body: Readable | undefined;
  private chunked = false;
  /** The request went out whole (head and body): only then may the connection be reused. */
  private requestSent = false;
  private headRequest = false;
  /** The head being parsed is a 1xx: its message end is not the response's. */
  private interim = false;
  private keepAlive = false;
  /** Headers flushed early by the parser (over 32 of them). */
  private headerPrefix: string[] | undefined;
  private closed = false;
  /** How long this connection may stay idle (from the server's Keep-Alive hint). */
  idleMs = DEFAULT_IDLE_MS;
  /** The server's last Keep-Alive header value (parsed only when it changes). */
  private hint: string | undefined;
  /** performance.now() when it went idle (the pool's sweep closes it after idleMs). */
  idleSince = 0;
  private connectTimer: NodeJS.Timeout | undefined;
  private serverTimer: NodeJS.Timeout | undefined;

  constructor(private readonly owner: ConnectionOwner) {
    const Parser = nativeParser!;
    const parser = new Parser();
    parser.initialize(Parser.RESPONSE, {}, 0, Parser.kLenientNone);
    parser[Parser.kOnHeaders] = (headers: string[]) => {
      this.headerPrefix = this.headerPrefix ? this.headerPrefix.concat(headers) : headers;
    };
    parser[Parser.kOnHeadersComplete] = (_major: number, _minor: number, headers: string[] | undefined, _method: unknown, _url: unknown,
      status: number, statusText: string, _upgrade: boolean, keepAlive: boolean): number => this.onHeadersComplete(headers, status, statusText, keepAlive);
    parser[Parser.kOnBody] = (chunk: Buffer) => this.onBody(chunk);
    parser[Parser.kOnMessageComplete] = () => this.onMessageComplete();
    this.parser = parser;
    const socket = connect({ host: owner.host, port: owner.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 });
    this.socket = socket;
    socket.on('connect', () => this.onConnect());
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('end', () => this.onServerEnd());
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.onClose());
    this.connectTimer = setTimeout(() => this.fail(new ServerConnectionError('UPSTREAM_CONNECT_TIMEOUT', `no connection within ${owner.connectTimeout} ms`)), owner.connectTimeout);
  }

  /** Sends one request: `head` is the whole request head; `body` (if any) follows, chunk-framed when `chunked`. */
  send(head: string, body: Readable | undefined, chunked: boolean, headRequest: boolean, handler: UpstreamHandler): void {
    this.handler = handler;
    this.body = body;
    this.chunked = chunked;
    this.headRequest = headRequest;
    this.requestSent = false;
    this.interim = false;
    this.keepAlive = false;
    this.headerPrefix = undefined;
    if (this.connected) this.writeRequest(head);
    else this.pendingHead = head;
  }

  /** The client drained: read the server again. */
  resume(): void {
    if (!this.closed) this.socket.resume();
  }

  /**
   * The response is not wanted (the exchange retries elsewhere on its status): read it to its end
   * and keep the connection, as undici does, instead of closing it under a server that sheds load.
   */
  discard(): void {
    if (this.handler) this.handler = DISCARD;
  }

  /** The exchange gave up on the attempt (the client left): the response in flight is unusable. */
  abort(): void {
    this.handler = undefined;
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.socket.destroy();
  }

  private onConnect(): void {
    this.connected = true;
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    const head = this.pendingHead;
    this.pendingHead = undefined;
    if (head !== undefined && this.handler) this.writeRequest(head);
  }

  private writeRequest(head: string): void {
    const handler = this.handler!;
    this.armServerTimer();
    this.socket.write(head, 'latin1');
    const body = this.body;
    if (!body) this.requestSent = true;
    else this.streamBody(body);
    handler.onConnected();
  }

  private streamBody(body: Readable): void {
    const socket = this.socket;
    const onData = (chunk: Buffer): void => {
      if (this.body !== body) return;
      this.serverTimer?.refresh();
      let ok: boolean;
      if (this.chunked) {
        if (chunk.length === 0) return; // an empty chunk would end the body
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        ok = socket.write('\r\n', 'latin1');
        socket.uncork();
      } else ok = socket.write(chunk);
      if (!ok) {
        body.pause();
        socket.once('drain', () => body.resume());
      }
    };
    const onEnd = (): void => {
      if (this.body !== body) return;
      if (this.chunked) socket.write('0\r\n\r\n', 'latin1');
      this.requestSent = true;
      this.body = undefined;
      this.serverTimer?.refresh();
    };
    body.on('data', onData);
    body.once('end', onEnd);
  }

  /** One timer per connection: re-armed on each request and each body chunk, idle-checked when it fires. */
  private armServerTimer(): void {
    if (this.serverTimer) this.serverTimer.refresh();
    else {
      this.serverTimer = setTimeout(() => {
        if (this.handler) this.fail(new ServerConnectionError('UPSTREAM_TIMEOUT', `server sent nothing for ${this.owner.serverTimeout} ms`));
      }, this.owner.serverTimeout);
      this.serverTimer.unref();
    }
  }

  private onData(data: Buffer): void {
    if (!this.handler) {
      // bytes from an idle connection (or after an abort): nothing can be framed from here on
      this.destroy();
      return;
    }
    this.serverTimer?.refresh();
    let result: number | Error;
    try {
      result = this.parser.execute(data);
    } catch (error) {
      // A fault while relaying this response (a bug, not the server's bytes): this attempt fails
      // (502 or a cut response), the connection goes, and nothing escapes to end the process.
      this.fail(Object.assign(new ServerConnectionError('UPSTREAM_CLOSED', `response relay failed: ${(error as Error).message}`), { cause: error }));
      return;
    }
    if (result instanceof Error) this.fail(parseError(result));
  }

  private onHeadersComplete(prefixless: string[] | undefined, status: number, statusText: string, keepAlive: boolean): number {
    const handler = this.handler;
    let headers = prefixless ?? [];
    if (this.headerPrefix) {
      headers = this.headerPrefix.concat(headers);
      this.headerPrefix = undefined;
    }
    if (!handler) {
      this.destroy(); // a response nobody asked for: the connection is out of step
      return 1;
    }
    if (status < 200) {
      this.interim = true;
      handler.onHead(status, statusText, headers);
      return 1; // no body; the parser goes on to the next head
    }
    this.interim = false;
    this.keepAlive = keepAlive;
    if (keepAlive) {
      const hint = keepAliveHint(headers);
      if (hint !== this.hint) {
        this.hint = hint;
        this.idleMs = idleTime(hint);
      }
    }
    handler.onHead(status, statusText, headers);
    return this.headRequest ? 1 : 0;
  }

  private onBody(chunk: Buffer): void {
    const handler = this.handler;
    if (handler && !handler.onBody(chunk)) this.socket.pause();
  }

  private onMessageComplete(): void {
    if (this.interim) {
      this.interim = false;
      return;
    }
    const handler = this.handler;
    if (!handler) return;
    this.handler = undefined;
    const reusable = this.keepAlive && this.requestSent && !this.closed;
    this.body = undefined;
    if (reusable) this.owner.release(this);
    else this.destroy();
    handler.onEnd();
  }

  /** The server closed its side: that may be the end of a read-until-close body. */
  private onServerEnd(): void {
    if (this.handler) {
      // a read-until-close body ends here; anything else was cut short
      const result = this.parser.finish();
      if (result instanceof Error) this.fail(new ServerConnectionError('UPSTREAM_CLOSED', 'server closed the connection before the response was complete'));
    }
    this.destroy();
  }

  private fail(error: ServerConnectionError | NodeJS.ErrnoException): void {
    const handler = this.handler;
    this.handler = undefined;
    this.body = undefined;
    this.destroy();
    handler?.onFail(error);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.serverTimer);
    this.owner.forget(this);
    if (this.handler) {
      const handler = this.handler;
      this.handler = undefined;
      handler.onFail(new ServerConnectionError('UPSTREAM_CLOSED', 'server closed the connection'));
    }
    const parser = this.parser;
    setImmediate(() => parser.close()); // never from inside the parser's own callback
  }
}

/** The value of a response's Keep-Alive header, if any. */
export function keepAliveHint(headers: readonly string[]): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].length === 10 && headers[i].toLowerCase() === 'keep-alive') return headers[i + 1];
  }
  return undefined;
}

/** How long the connection may idle: the server's `Keep-Alive: timeout=N` minus a margin, else 4 s. */
export function idleTime(hint: string | undefined): number {
  const match = hint === undefined ? null : KEEP_ALIVE_TIMEOUT.exec(hint);
  return match ? Math.max(0, Number(match[1]) * 1000 - KEEP_ALIVE_MARGIN) : DEFAULT_IDLE_MS;
}

function parseError(error: Error): ServerConnectionError {
  const code = (error as NodeJS.ErrnoException).code ?? 'HPE_UNKNOWN';
  return new ServerConnectionError('UPSTREAM_BAD_RESPONSE', `invalid response from server (${code}${error.message ? `: ${error.message}` : ''})`, code);
}

