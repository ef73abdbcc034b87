// The listening side of an HTTP frontend on node:http (server `node`, for the http-proxy-3 engine,
// which needs node:http's own request and response objects): an http or https server with the
// slow-client defences (headersTimeout, requestTimeout, keep-alive idle timeout, max header
// size), parser errors answered 400/431, CONNECT refused, WebSocket upgrades proxied, and a
// graceful close that lets in-flight requests finish.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { rawErrorResponse } from './error-response.js';
import type { HttpFrontendRuntime } from './frontend-runtime.js';
import { proxyUpgrade } from './upgrade.js';
import { bindListener, closeGracefully, countConnection, type HttpListener } from './listener-bind.js';

export async function listenNode(initial: HttpFrontendRuntime): Promise<HttpListener> {
  let runtime = initial;
  const config = initial.config;
  const t = config.timeouts;
  const options: ServerOptions = {
    maxHeaderSize: config.maxHeaderSize,
    headersTimeout: t.headers,
    requestTimeout: t.request,
    keepAliveTimeout: t.client,
    connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(t.headers / 4))),
    requireHostHeader: true,
    joinDuplicateHeaders: true,
    noDelay: true,
  };
  const onRequest = (req: IncomingMessage, res: import('node:http').ServerResponse) => runtime.handle(req, res);
  const server: Server = config.tls
    ? createHttpsServer({ ...options, cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, onRequest)
    : createHttpServer(options, onRequest);

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (socket as Socket).destroyed) return socket.destroy();
    const code = error.code ?? '';
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_DESTROYED') return socket.destroy();
    // A body broken after its response began (as node:http's own default): only a close is left.
    if ((socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) return socket.destroy();
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const detail = status === 431 ? 'request headers too large' : status === 408 ? 'request not received in time' : `malformed request (${code || error.message})`;
    runtime.stats.status(status);
    socket.end(rawErrorResponse(status, detail));
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.end(rawErrorResponse(400, 'CONNECT is not supported (not a forward proxy)'));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => proxyUpgrade(runtime, req, socket as Socket, head));
  server.on('connection', (socket: Socket) => countConnection(runtime, socket));

  return bindListener(server, config, {
    use: (next) => {
      runtime = next;
    },
    close: (graceMs) => closeGracefully(server, graceMs, () => server.closeIdleConnections(), () => server.closeAllConnections()),
  });
}
