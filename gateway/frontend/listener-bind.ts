// What both HTTP listeners share: the listener's public shape, and binding the frontend's address.
import type { Server, Socket } from 'node:net';
import { parseHostPort } from '../../sdk/config/schema.js';
import type { HttpFrontendConfig } from '../config.js';
import { GatewayListenError } from '../errors.js';
import type { HttpFrontendRuntime } from './frontend-runtime.js';

export interface HttpListener {
  readonly server: Server;
  readonly port: number;
  /** Swap the runtime (reload): new requests use the new one. */
  use(runtime: HttpFrontendRuntime): void;
  /** Stop accepting; idle connections close now, busy ones after their response; forced after graceMs. */
  close(graceMs: number): Promise<void>;
}

/**
 * Stops accepting at once, closes idle connections now and busy ones as their responses end
 * (`closeIdle`), and every one still open after `graceMs` (`closeAll`).
 */
export function closeGracefully(server: Server, graceMs: number, closeIdle: () => void, closeAll: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(closeAll, graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    closeIdle();
  });
}

/** Counts a client connection against the runtime that accepted it (a reload swaps runtimes; the count stays). */
export function countConnection(runtime: HttpFrontendRuntime, socket: Socket): void {
  runtime.connections++;
  socket.once('close', () => runtime.connections--);
}

/** Listens on the frontend's address; the listener, with the port actually bound (0 in config = any free port). */
export async function bindListener(server: Server, config: HttpFrontendConfig, control: Pick<HttpListener, 'use' | 'close'>): Promise<HttpListener> {
  const listen = parseHostPort(config.listen)!;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new GatewayListenError(`frontend ${config.name}`, config.listen, error.code ?? error.message));
    server.once('error', onError);
    server.listen({ port: listen.port, host: listen.host, backlog: 4096 }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  return { server, port, use: control.use, close: control.close };
}
