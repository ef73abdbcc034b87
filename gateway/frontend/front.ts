// The client's request and response as the proxy path uses them: the part of node:http's
// IncomingMessage and ServerResponse the exchange, the relays and the error answers touch. Both
// listeners satisfy it: node:http's own objects (listener kind `node`) and the gateway's own
// llhttp server's (native-request.ts, native-response.ts).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface FrontRequest {
  method?: string | undefined;
  url?: string | undefined;
  readonly httpVersion: string;
  /** Names and values as received, [name, value, …]. */
  readonly rawHeaders: string[];
  /** Lowercase names, repeated ones joined (Cookie with "; "). */
  headers: IncomingHttpHeaders;
  readonly socket: Socket;
  /** The request body into `destination` (ended at once when there is none). */
  pipe<T extends NodeJS.WritableStream>(destination: T): T;
  /**
   * Tells of a body the client broke after its head was accepted (native listener). node:http's
   * objects have no such hook: there the server's clientError answers and the socket closes.
   */
  onBodyError?(listener: (error: NodeJS.ErrnoException) => void): void;
}

export interface FrontResponse {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  /** Set false to close the connection after this response (draining). */
  shouldKeepAlive: boolean;
  writeHead(status: number, statusMessage: string | undefined, headers: OutgoingHttpHeaders | string[]): this;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer | string): this;
  destroy(): void;
  writeEarlyHints(hints: Record<string, string | string[]>): void;
  once(event: 'close' | 'drain', listener: () => void): this;
}
