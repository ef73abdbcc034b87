// Opening the server side of a TCP session: connect with a timeout, then (optionally) the
// PROXY protocol v2 header before any client byte.
import { connect, type Socket } from 'node:net';
import { parseHostPort } from '../../sdk/config/schema.js';
import { TcpConnectError } from './errors.js';
import type { UpstreamReader } from './upstream-reader.js';

export interface ConnectOptions {
  timeoutMs: number;
  /** Written first, before the relay starts (a PROXY v2 header). */
  preface?: Buffer;
  /** Reads into a caller's buffer instead of 'data' events (see UpstreamReader). */
  onread?: UpstreamReader['onread'];
}

export function connectServer(address: string, options: ConnectOptions): Promise<Socket> {
  const target = parseHostPort(address);
  if (!target) return Promise.reject(new TcpConnectError(address, 'not a host:port address'));
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.host, port: target.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000, allowHalfOpen: true, onread: options.onread,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TcpConnectError(address, `no connection within ${options.timeoutMs}ms`, true));
    }, options.timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new TcpConnectError(address, error.code ?? error.message));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {}); // the relay attaches its own handler; nothing may crash in between
      if (options.preface) socket.write(options.preface);
      resolve(socket);
    });
  });
}
