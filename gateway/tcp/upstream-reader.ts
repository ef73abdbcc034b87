// The server → client direction of a relay without a Buffer allocation per read: the server
// socket reads into a reusable buffer (net `onread`), each read is written straight to the
// client, and the buffer is reused when that write completed at once (the kernel took the
// bytes). When the write is still pending the next read gets a fresh buffer; when the client's
// write queue is full, reading stops until it drains (backpressure).
import type { Socket } from 'node:net';

const BUFFER_SIZE = 64 * 1024;

export class UpstreamReader {
  private current = Buffer.allocUnsafe(BUFFER_SIZE);
  private reusable = true;
  private client: Socket | undefined;
  private server: Socket | undefined;
  /** Bytes that arrived before the relay attached (a server that speaks first). */
  private early: Buffer[] = [];
  /** Bytes read from the server so far. */
  bytes = 0;

  /** The `onread` option for `net.connect` of the server socket. */
  readonly onread = {
    buffer: (): Buffer => {
      if (!this.reusable) {
        this.current = Buffer.allocUnsafe(BUFFER_SIZE);
        this.reusable = true;
      }
      return this.current;
    },
    callback: (nread: number, buffer: Uint8Array): boolean => this.forward(nread, buffer as Buffer),
  };

  /** Starts forwarding to the client (flushes what arrived before). */
  attach(server: Socket, client: Socket): void {
    this.server = server;
    this.client = client;
    for (const chunk of this.early.splice(0)) {
      if (!client.write(chunk)) this.waitForDrain();
    }
  }

  private forward(nread: number, buffer: Buffer): boolean {
    this.bytes += nread;
    const chunk = buffer.subarray(0, nread);
    const client = this.client;
    if (!client) {
      this.early.push(Buffer.from(chunk));
      return true;
    }
    if (client.destroyed) return false;
    const flowing = client.write(chunk);
    // Still queued (not taken by the kernel): this buffer is referenced until the write ends.
    if (client.writableLength > 0) this.reusable = false;
    if (flowing) return true;
    this.waitForDrain();
    return false;
  }

  private waitForDrain(): void {
    this.client!.once('drain', this.resume);
  }

  private readonly resume = (): void => {
    if (this.server && !this.server.destroyed) this.server.resume();
  };
}
