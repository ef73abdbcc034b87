// One client connection on the gateway's own server (native-listener.ts): Node's llhttp parses
// the requests (the parser node:http runs, same strictness: no CL + TE, no bare LF, no obs-fold,
// header size limit), and requests are answered one at a time in order: a pipelined request
// waits in the queue until the response before it has ended. Slow clients are cut off by the
// listener's sweep (headersTimeout, requestTimeout → 408; idle keep-alive → closed).
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { nativeParser, parserMethods, type NativeParser } from './llhttp.js';
import { NativeRequest, RequestBody } from './native-request.js';
import { NativeResponse, type ResponseOwner } from './native-response.js';
import { rawErrorResponse, sendError } from './error-response.js';
import type { FrontRequest, FrontResponse } from './front.js';
import { createLogger } from '../../sdk/log/logger.js';

const log = createLogger('gateway');

export interface SessionLimits {
  maxHeaderSize: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
}

/** What a session needs of its listener. */
export interface SessionHost {
  readonly limits: SessionLimits;
  /** The listener's coarse clock (ms, advanced by its sweep): timers need no clock read per request. */
  readonly now: number;
  request(req: FrontRequest, res: FrontResponse): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  /** A request the parser or the session refused (counted in the frontend's stats). */
  refused(status: number): void;
  closed(session: ClientSession): void;
}

/** Waiting pipelined requests before the socket stops being read. */
const MAX_QUEUED = 16;

export class ClientSession implements ResponseOwner {
  private readonly parser: NativeParser;
  /** The response being written (undefined: none). */
  private current: NativeResponse | undefined;
  /** Requests read while an earlier one is still being answered. */
  private readonly queue: NativeRequest[] = [];
  /** The request whose body the parser is reading. */
  private receiving: NativeRequest | undefined;
  /** When the message being received began (0: none; the connection's start counts for its first). */
  private receivingSince: number;
  private headersDone = false;
  /** Since when the connection has been idle between requests. */
  private idleSince = 0;
  /** No more requests: the connection closes after the response in progress. */
  private closing = false;
  private readPaused = 0;
  private headerParts: string[] = [];
  private urlParts = '';
  private upgradeRequest: NativeRequest | undefined;
  private done = false;

  constructor(private readonly host: SessionHost, readonly socket: Socket) {
    const Parser = nativeParser!;
    const parser = new Parser();
    parser.initialize(Parser.REQUEST, {}, host.limits.maxHeaderSize, Parser.kLenientNone);
    parser[Parser.kOnMessageBegin] = () => this.onMessageBegin();
    parser[Parser.kOnHeaders] = (headers: string[], url: string) => {
      for (const h of headers) this.headerParts.push(h);
      this.urlParts += url;
    };
    parser[Parser.kOnHeadersComplete] = (major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined,
      _status: unknown, _reason: unknown, upgrade: boolean, keepAlive: boolean) => this.onHeadersComplete(major, minor, headers, method, url, upgrade, keepAlive);
    parser[Parser.kOnBody] = (chunk: Buffer) => this.onBody(chunk);
    parser[Parser.kOnMessageComplete] = () => this.onMessageComplete();
    this.parser = parser;
    this.receivingSince = host.now;
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.current?.emit('drain'));
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => this.onClose());
  }

  // ResponseOwner: what a response writes through.
  write(data: string | Buffer, encoding?: BufferEncoding): boolean {
    return this.socket.write(data, encoding as BufferEncoding);
  }
  cork(): void {
    this.socket.cork();
  }
  uncork(): void {
    this.socket.uncork();
  }
  get destroyed(): boolean {
    return this.socket.destroyed;
  }
  get pending(): number {
    return this.socket.writableLength;
  }
  destroy(): void {
    this.socket.destroy();
  }

  /** The response ended: the next request is answered, or the connection closes. */
  ended(response: NativeResponse): void {
    if (response !== this.current) return;
    this.current = undefined;
    const request = response.request;
    // A body the client is still sending would be read as the next request: close instead.
    if (response.closes || this.closing || (request.body !== undefined && !request.complete)) {
      this.closing = true;
      this.closeAfterWrites();
      if (response.listenerCount('close') > 0) queueMicrotask(() => response.emit('close'));
      return;
    }
    this.idleSince = this.host.now;
    if (response.listenerCount('close') > 0 || this.queue.length > 0) {
      // After the caller's own bookkeeping for this response (its exchange ends right after end()).
      queueMicrotask(() => {
        response.emit('close');
        this.next();
      });
    }
  }

  /** Stop taking requests: an idle connection closes now, a busy one after its response. */
  shutdown(): void {
    this.closing = true;
    this.queue.length = 0;
    if (!this.current) this.closeAfterWrites();
  }

  /**
   * The listener's sweep: slow headers or body → 408, idle keep-alive past its time → closed.
   * Stamps come from the coarse clock, up to one sweep old: `slack` (the sweep interval) keeps a
   * timer from firing early, so each fires within two sweeps after its time.
   */
  checkTimers(now: number, slack: number): void {
    if (this.done) return;
    const limits = this.host.limits;
    now -= slack;
    if (this.receivingSince > 0) {
      const elapsed = now - this.receivingSince;
      if ((!this.headersDone && elapsed > limits.headersTimeout) || elapsed > limits.requestTimeout) this.refuse(408, 'request not received in time');
    } else if (!this.current && this.queue.length === 0 && now - this.idleSince > limits.keepAliveTimeout) this.socket.destroy();
  }

  private onData(data: Buffer): void {
    if (this.closing && !this.current && !this.receiving) return;
    let result: number | Error;
    try {
      result = this.parser.execute(data);
    } catch (error) {
      // A fault on this connection's request path (a bug, never the client's bytes alone):
      // this connection ends with a 500 when nothing is being answered, and nothing else does.
      return this.onFault(error);
    }
    if (result instanceof Error) return this.onParseError(result as NodeJS.ErrnoException);
    const upgrade = this.upgradeRequest;
    if (upgrade) {
      this.upgradeRequest = undefined;
      this.startUpgrade(upgrade, data.subarray(result));
    }
  }

  private onMessageBegin(): void {
    this.receivingSince = this.host.now;
    this.headersDone = false;
    this.headerParts = [];
    this.urlParts = '';
  }

  private onHeadersComplete(major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, upgrade: boolean, keepAlive: boolean): number {
    this.headersDone = true;
    const raw = headers ?? this.headerParts;
    if (headers && this.headerParts.length) raw.unshift(...this.headerParts);
    const request = new NativeRequest(parserMethods[method] ?? 'GET', url ?? this.urlParts, major === 1 && minor === 0 ? '1.0' : '1.1', raw, this.socket, keepAlive);
    this.headerParts = [];
    this.urlParts = '';
    if (upgrade) {
      this.upgradeRequest = request;
      return 2; // llhttp stops here: the rest of the bytes belong to the upgraded protocol
    }
    const h = request.headers;
    if ((h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined) request.body = new RequestBody(() => this.resumeReading());
    this.receiving = request;
    if (this.closing) return 0;
    if (this.current || this.queue.length > 0) {
      this.queue.push(request);
      if (this.queue.length >= MAX_QUEUED) this.pauseReading();
    } else this.dispatch(request);
    return 0;
  }

  private onBody(chunk: Buffer): void {
    const body = this.receiving?.body;
    if (body && !body.push(chunk)) this.pauseReading();
  }

  private onMessageComplete(): void {
    const request = this.receiving;
    this.receiving = undefined;
    this.receivingSince = 0;
    if (!request) return;
    request.complete = true;
    request.body?.push(null);
  }

  private dispatch(request: NativeRequest): void {
    const response = new NativeResponse(this, request);
    this.current = response;
    if (request.httpVersion === '1.1' && request.headers.host === undefined) return this.answer(response, 400, 'missing Host header');
    const expect = request.headers.expect;
    if (expect !== undefined) {
      if (request.httpVersion !== '1.1' || expect.toLowerCase() !== '100-continue') return this.answer(response, 417, 'unsupported Expect');
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    }
    this.host.request(request, response);
  }

  /** The server's own refusal of a parsed request (the connection closes after it). */
  private answer(response: NativeResponse, status: 400 | 417, detail: string): void {
    this.host.refused(status);
    sendError(response, status, undefined, detail, { connection: 'close' });
  }

  private next(): void {
    const request = this.queue.shift();
    if (!request || this.current || this.done) return;
    if (this.readPaused > 0 && this.queue.length < MAX_QUEUED) this.resumeReading();
    this.dispatch(request);
  }

  private startUpgrade(request: NativeRequest, head: Buffer): void {
    if (request.method === 'CONNECT') {
      this.host.refused(400);
      this.socket.end(rawErrorResponse(400, 'CONNECT is not supported (not a forward proxy)'));
      return;
    }
    if (this.current || this.queue.length > 0) {
      // An upgrade pipelined behind other requests: not a shape clients send; refuse it.
      this.host.refused(400);
      this.closing = true;
      this.queue.length = 0;
      return;
    }
    this.detach();
    const message = new IncomingMessage(this.socket);
    message.method = request.method;
    message.url = request.url;
    message.httpVersionMajor = 1;
    message.httpVersionMinor = request.httpVersion === '1.0' ? 0 : 1;
    message.httpVersion = request.httpVersion;
    message.rawHeaders = request.rawHeaders;
    message.headers = request.headers;
    message.complete = true;
    (message as IncomingMessage & { upgrade: boolean }).upgrade = true;
    this.host.upgrade(message, this.socket, head);
  }

  private onParseError(error: NodeJS.ErrnoException): void {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const receiving = this.receiving;
    this.receiving = undefined;
    // A body broken mid-way (bad chunk size, bad framing): its exchange hears of it and answers
    // 400 itself (counted there) when nothing went out yet; without a listener nothing is thrown.
    receiving?.body?.destroy(error);
    if (this.current) {
      // Garbage after a request being answered, or the body of the one being answered broken:
      // that answer goes out, then the connection closes (nothing more is parsed: the parser
      // stays in its error state).
      if (receiving !== this.current.request || !receiving.body) this.host.refused(status);
      this.closing = true;
      this.queue.length = 0;
      this.socket.removeAllListeners('data');
      return;
    }
    this.refuse(status, status === 431 ? 'request headers too large' : `malformed request (${error.code ?? error.message})`);
  }

  private onFault(error: unknown): void {
    log.error({ err: error }, `request path failed on a client connection: ${error instanceof Error ? error.message : String(error)}`);
    this.receiving?.body?.destroy();
    this.receiving = undefined;
    this.refuse(500, 'internal error');
  }

  /** Answer with the raw error and close (parse errors, timeouts). */
  private refuse(status: 400 | 408 | 431 | 500, detail: string): void {
    this.receivingSince = 0;
    this.host.refused(status);
    if (this.current || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    this.closing = true;
    this.detach();
    this.socket.end(rawErrorResponse(status, detail));
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onEnd(): void {
    // The client closed its side: as node:http (without httpAllowHalfOpen), what it asked for is
    // abandoned; the exchange in progress sees the connection close and cancels its attempt.
    const result = this.done ? undefined : this.parser.finish();
    if (result instanceof Error) this.receiving?.body?.destroy(result);
    this.closing = true;
    this.queue.length = 0;
    if (this.current) this.socket.destroy();
    else this.closeAfterWrites();
  }

  private closeAfterWrites(): void {
    this.detach();
    (this.socket as Socket & { destroySoon(): void }).destroySoon();
  }

  private pauseReading(): void {
    if (this.readPaused++ === 0) this.socket.pause();
  }

  private resumeReading(): void {
    if (this.readPaused === 0) return;
    this.readPaused = 0;
    this.socket.resume();
  }

  /** The parser is done with this connection (closing, or upgraded to another protocol). */
  private detach(): void {
    if (this.done) return;
    this.done = true;
    this.receivingSince = 0;
    this.socket.removeAllListeners('data');
    this.host.closed(this);
    const parser = this.parser;
    setImmediate(() => parser.close()); // never inside its own execute()
  }

  private onClose(): void {
    const current = this.current;
    this.current = undefined;
    this.queue.length = 0;
    this.receiving?.body?.destroy();
    this.detach();
    current?.emit('close');
  }
}
