// A client request as the gateway's own server (native-listener.ts) parsed it: what node:http's
// IncomingMessage would carry for the proxy path (front.ts), without the stream machinery when
// there is no body. A body arrives through a Readable that pauses the client's socket when full.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FrontRequest } from './front.js';
import { headerObject } from './headers.js';

/**
 * The request body as the parser hands it over; reading it again resumes the client's socket.
 * A body the client breaks (bad chunk framing, early end) is destroyed with the parser's error;
 * as node:http's IncomingMessage, the error is emitted only to a listener (the exchange's), so a
 * body nobody reads cannot throw an unhandled 'error' and end the process.
 */
export class RequestBody extends Readable {
  constructor(private readonly wantMore: () => void) {
    super();
  }

  override _read(): void {
    this.wantMore();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    callback(error && this.listenerCount('error') > 0 ? error : null);
  }
}

export class NativeRequest implements FrontRequest {
  /** A body is on its way (Content-Length above 0, or chunked). */
  body: RequestBody | undefined;
  /** The whole request (headers and body) has been read. */
  complete = false;
  private headerObject: IncomingHttpHeaders | undefined;

  constructor(
    public method: string,
    public url: string,
    readonly httpVersion: '1.0' | '1.1',
    readonly rawHeaders: string[],
    readonly socket: Socket,
    /** The client allows another request on this connection (version and Connection header). */
    readonly keepAlive: boolean,
  ) {}

  get headers(): IncomingHttpHeaders {
    return (this.headerObject ??= headerObject(this.rawHeaders));
  }

  set headers(headers: IncomingHttpHeaders) {
    this.headerObject = headers;
  }

  /** `listener` hears of a body the client broke (parse error mid-body, early end); never without a body. */
  onBodyError(listener: (error: NodeJS.ErrnoException) => void): void {
    this.body?.once('error', listener);
  }

  pipe<T extends NodeJS.WritableStream>(destination: T): T {
    if (this.body) return this.body.pipe(destination);
    destination.end();
    return destination;
  }
}
