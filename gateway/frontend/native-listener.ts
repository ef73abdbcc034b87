// The listening side of an HTTP frontend on the gateway's own server: a net (or tls) server whose
// connections are parsed by Node's llhttp directly (client-session.ts), without node:http's
// IncomingMessage/ServerResponse streams, which cost a proxied request about a fifth of its CPU.
// Same defences as the node:http listener: headersTimeout and requestTimeout (408), idle keep-alive
// timeout, max header size (431), malformed requests (400), CONNECT refused, WebSocket upgrades
// handed to the upgrade path, and a graceful close.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ClientSession, type SessionHost, type SessionLimits } from './client-session.js';
import type { FrontRequest, FrontResponse } from './front.js';
import type { HttpFrontendRuntime } from './frontend-runtime.js';
import { bindListener, closeGracefully, countConnection, type HttpListener } from './listener-bind.js';
import { proxyUpgrade } from './upgrade.js';

export async function listenNative(initial: HttpFrontendRuntime): Promise<HttpListener> {
  let runtime = initial;
  const config = initial.config;
  const limits: SessionLimits = {
    maxHeaderSize: config.maxHeaderSize,
    headersTimeout: config.timeouts.headers,
    requestTimeout: config.timeouts.request,
    keepAliveTimeout: config.timeouts.client,
  };
  const sessions = new Set<ClientSession>();
  const host: SessionHost & { now: number } = {
    limits,
    now: performance.now(),
    request: (req: FrontRequest, res: FrontResponse) => runtime.handle(req, res),
    upgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => proxyUpgrade(runtime, req, socket, head),
    refused: (status) => runtime.stats.status(status),
    closed: (session) => sessions.delete(session),
  };
  let closing = false;
  const onConnection = (socket: Socket) => {
    countConnection(runtime, socket);
    socket.setNoDelay(true);
    const session = new ClientSession(host, socket);
    sessions.add(session);
    if (closing) session.shutdown();
  };
  const server: Server = config.tls
    ? createTlsServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key), allowHalfOpen: true, ALPNProtocols: ['http/1.1'] }, onConnection)
    : createNetServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  if (config.tls) server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());

  // One sweep for every connection's timers (as node:http's connectionsCheckingInterval), which
  // also advances the coarse clock the sessions stamp their requests with.
  const sweepEvery = Math.max(100, Math.min(1000, Math.floor(Math.min(limits.headersTimeout, limits.keepAliveTimeout) / 4)));
  const sweep = setInterval(() => {
    const now = (host.now = performance.now());
    for (const session of sessions) session.checkTimers(now, sweepEvery);
  }, sweepEvery);
  sweep.unref();

  return bindListener(server, config, {
    use: (next) => {
      runtime = next;
    },
    async close(graceMs) {
      closing = true;
      await closeGracefully(server, graceMs,
        () => [...sessions].forEach((session) => session.shutdown()),
        () => sessions.forEach((session) => session.destroy()));
      clearInterval(sweep);
    },
  });
}
