// One attempt of an exchange on the http-proxy-3 engine: the library's web pass
// (`selfHandleResponse`) on the server's node:http keep-alive agent. Its 'proxyReq' hook arms the
// connect and server timeouts and lets the request body flow once the server is connected; its
// 'proxyRes' hook hands the response head to the exchange, then pipes the body to the client or
// drops it (a retry). Decisions stay in the exchange, as with the undici engine.
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PassThrough } from 'node:stream';
import { ProxyServer } from 'http-proxy-3';
import type { Attempt, Exchange } from '../frontend/exchange.js';
import { responseHeaders } from '../frontend/headers.js';

/** Where the hooks find the exchange of a request (set only on this engine's path: a finished
 * exchange reachable from its request would outlive young-generation GCs on the undici path). */
const EXCHANGE = Symbol('tiered.exchange');
type WithExchange = IncomingMessage & { [EXCHANGE]?: Exchange };

/**
 * The "body" of a request without one: http-proxy-3 pipes `options.buffer || req` into the
 * upstream request; piping an already-ended IncomingMessage costs a resume, a read and several
 * ticks per request, so a bodiless request just ends the upstream request (its headers go out
 * as soon as the socket is assigned). The client request is still drained by the server.
 */
const NO_BODY = { pipe(destination: { end(): void }): void { destination.end(); } };

/** One shared http-proxy-3 instance (also the WebSocket proxy): the hooks find their exchange on the request. */
export function createHttpProxy(): ProxyServer {
  const proxy = new ProxyServer({ xfwd: false, selfHandleResponse: true, prependPath: true });
  proxy.on('proxyReq', (proxyReq, req, _res, options, socket) => {
    const attempt = (options as { attempt?: Attempt }).attempt;
    const exchange = (req as WithExchange)[EXCHANGE];
    if (attempt && exchange) armAttempt(exchange, attempt, proxyReq, socket);
  });
  proxy.on('proxyRes', (proxyRes, req) => {
    const exchange = (req as WithExchange)[EXCHANGE];
    if (exchange) relayResponse(exchange, proxyRes);
  });
  proxy.on('error', () => {}); // every call passes its own callback; this only keeps a stray error from throwing
  return proxy;
}

export function sendWithHttpProxy3(exchange: Exchange, attempt: Attempt, body: PassThrough | undefined): void {
  const { req, res } = exchange;
  (req as WithExchange)[EXCHANGE] = exchange;
  const server = attempt.server;
  const options = { target: server.target, agent: server.agent, attempt, buffer: body ?? NO_BODY };
  // Only node:http's objects come here (exchange.ts): http-proxy-3 needs them.
  exchange.frontend.proxy.web(req as IncomingMessage, res as ServerResponse, options as never, (error: Error) => exchange.onAttemptError(attempt, error));
}

/** 'proxyReq': a socket is assigned. Connect timeout, server (inactivity) timeout. */
function armAttempt(exchange: Exchange, attempt: Attempt, proxyReq: ClientRequest, socket: Socket): void {
  const timeouts = exchange.backend.config.timeouts;
  if (socket.connecting) {
    const timer = setTimeout(() => {
      attempt.connectTimedOut = true;
      proxyReq.destroy(new Error('connect timeout'));
    }, timeouts.connect);
    socket.once('connect', () => {
      clearTimeout(timer);
      exchange.onConnected(attempt);
    });
    socket.once('close', () => clearTimeout(timer));
  } else exchange.onConnected(attempt);
  proxyReq.setTimeout(timeouts.server, () => {
    attempt.timedOut = true;
    proxyReq.destroy(new Error('server timeout'));
  });
}

/** 'proxyRes': relay the response, or drop it for a retry. */
function relayResponse(exchange: Exchange, proxyRes: IncomingMessage): void {
  const headers = responseHeaders(proxyRes.rawHeaders, proxyRes.headers.connection);
  const relay = exchange.onResponse(exchange.attempt!, proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  if (!relay) {
    proxyRes.resume();
    return;
  }
  proxyRes.on('error', () => exchange.res.destroy());
  proxyRes.pipe(exchange.res as ServerResponse);
}
