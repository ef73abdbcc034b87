// What the gateway keeps per client connection rather than per request: the client's address,
// the byte counters the access log takes its per-request bytes from, and the exchange in progress,
// which the connection's one 'close' listener ends when the client goes away. (A 'close' listener
// on every response cost a listener wrapper, a closure and an emit per request.)
import type { Socket } from 'node:net';
import { unmappedAddress } from './headers.js';

const CONNECTION = Symbol('tiered.connection');

/** An exchange as its connection sees it: told when the client closed the connection under it. */
export interface WatchedExchange {
  onClientClose(): void;
}

export class ClientConnection {
  /** The client's address (IPv4-mapped IPv6 unmapped). */
  readonly client: string;
  /** The exchange this connection ends if the client goes away (pipelined ones watch their own response). */
  active: WatchedExchange | undefined;
  /**
   * An answer on this connection said `Connection: close` (a refused request): no request read
   * after it may be served (RFC 9112 §9.6). node:http hands over pipelined requests before the
   * answers ahead of them are written, so the exchanges check this.
   */
  closing = false;
  private bytesRead = 0;
  private bytesWritten = 0;

  constructor(private readonly socket: Socket) {
    this.client = unmappedAddress(socket.remoteAddress);
    socket.once('close', () => this.active?.onClientClose());
  }

  /** Bytes read from the client since the previous call. */
  takeBytesIn(): number {
    const now = this.socket.bytesRead;
    const bytes = now - this.bytesRead;
    this.bytesRead = now;
    return bytes;
  }

  /** Bytes written to the client (or buffered for it) since the previous call. */
  takeBytesOut(): number {
    const now = this.socket.bytesWritten;
    const bytes = now - this.bytesWritten;
    this.bytesWritten = now;
    return bytes;
  }
}

/** The connection state of a client socket, made on its first request. */
export function clientConnection(socket: Socket): ClientConnection {
  const holder = socket as Socket & { [CONNECTION]?: ClientConnection };
  return (holder[CONNECTION] ??= new ClientConnection(socket));
}
