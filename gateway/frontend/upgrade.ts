// WebSocket (and any Upgrade) requests: balanced like other requests (health-aware, sticky,
// hash), proxied by http-proxy-3's ws pass on a fresh connection. The session counts as in
// flight on its server until either side closes; an error on either side closes both and
// never reaches the process.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { rawErrorResponse } from './error-response.js';
import { headerObject, isTrusted, unmappedAddress, upstreamRequestHead } from './headers.js';
import type { HttpFrontendRuntime } from './frontend-runtime.js';
import { rejectReason } from './request-guard.js';
import { hashKey, stickyServer } from './affinity.js';

export function proxyUpgrade(runtime: HttpFrontendRuntime, req: IncomingMessage, socket: Socket, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const reason = rejectReason(req);
  if (reason) {
    socket.end(rawErrorResponse(400, reason));
    return;
  }
  const backend = runtime.backend();
  const client = unmappedAddress(socket.remoteAddress);
  const slot = backend?.take({
    prefer: backend.config.sticky ? stickyServer(req, backend.config.sticky.cookie) : undefined,
    key: backend.balance === 'hash' ? hashKey(req, client, backend.config.hash) : undefined,
  });
  if (!backend || !slot) {
    socket.end(rawErrorResponse(503, 'no server available for the upgrade'));
    return;
  }
  runtime.stats.requests++;
  // http-proxy-3's ws pass builds the handshake from req.headers
  req.headers = headerObject(upstreamRequestHead(req.rawHeaders, client, runtime.proto, isTrusted(runtime.trusted, client), 'upgrade').headers);
  const server = slot.server;
  let ended = false;
  const end = (outcome: 'success' | 'connect-error') => {
    if (ended) return;
    ended = true;
    backend.end(slot, outcome);
  };
  socket.once('close', () => end('success'));
  runtime.proxy.ws(req, socket, head, { target: server.target, agent: false }, () => {
    server.stats.errors.connect++;
    end('connect-error');
    socket.destroy();
  });
}
