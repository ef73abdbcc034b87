// A `mode: tcp` frontend: accept, find a server (balance, queue, fallback backend, connect
// retries on other servers), open it within the connect timeout, relay bytes until either
// side closes or the session idles out, then log and count the session.
import { createServer, type Server, type Socket } from 'node:net';
import { parseHostPort } from '../../sdk/config/schema.js';
import { monotonicClock, type Clock } from '../../sdk/random.js';
import type { AcquireFailure, BackendRuntime, Slot } from '../backend/backend.js';
import { Stats } from '../backend/stats.js';
import type { TcpFrontendConfig } from '../config.js';
import { connectServer } from './connect.js';
import { TcpListenError } from './errors.js';
import { encodeProxyV2 } from './proxy-protocol.js';
import { relay, type Relay } from './relay.js';
import { UpstreamReader } from './upstream-reader.js';
import { recordSession, sessionClosed, sessionOpened } from './telemetry.js';

export interface TcpFrontendDeps {
  backends: ReadonlyMap<string, BackendRuntime>;
  clock?: Clock;
  /** Connect attempts on distinct servers before giving up (HAProxy `retries` + redispatch). */
  connectAttempts?: number;
  /** One JSON line per session (default true). */
  accessLog?: boolean;
}

export interface TcpFrontend {
  readonly name: string;
  /** The config in force (changes on reload). */
  readonly config: TcpFrontendConfig;
  /** The bound address (the real port when listen asked for port 0). */
  readonly address: { host: string; port: number };
  /** Reload: new connections use this config and these backends (same listen address). */
  update(config: TcpFrontendConfig, backends: ReadonlyMap<string, BackendRuntime>): void;
  /** Sessions (requests), refusals, bytes, and wait / connect / session times. */
  readonly stats: Stats;
  /** Client connections open now (queued, connecting or relaying). */
  readonly connections: number;
  /** Stops accepting; open sessions are closed after `graceMs` (default: at once). */
  close(graceMs?: number): Promise<void>;
}

interface Lease {
  slot: Slot;
  backend: BackendRuntime;
  socket: Socket;
  reader: UpstreamReader;
  waitMs: number;
  connectMs: number;
  /** Failed connect attempts on other servers before this one. */
  retries: number;
}

type Refusal = AcquireFailure | 'connect-error';

export async function startTcpFrontend(config: TcpFrontendConfig, deps: TcpFrontendDeps): Promise<TcpFrontend> {
  const clock = deps.clock ?? monotonicClock;
  const attempts = deps.connectAttempts ?? 3;
  const accessLog = deps.accessLog ?? true;
  const routeOf = (c: TcpFrontendConfig, backends: ReadonlyMap<string, BackendRuntime>) => {
    const home = backends.get(c.backend);
    if (!home) throw new TcpListenError(c.name, c.listen, `no backend named ${c.backend}`);
    return { config: c, backends, home };
  };
  /** What new connections use; replaced as a whole on reload (open sessions keep theirs). */
  let route = routeOf(config, deps.backends);
  const sessions = new Set<Relay>();
  /** Every accepted client not yet closed (queued, connecting or relaying). */
  const clients = new Set<Socket>();
  const stats = new Stats();

  /** A connected server for this client, or why there is none. Retries connect errors elsewhere. */
  async function lease(
    client: Socket, isGone: () => boolean, onCancel: (c: () => void) => void, start: number, { config, backends, home }: typeof route,
  ): Promise<Lease | Refusal> {
    let backend = home;
    const visited = new Set([backend]);
    const failed = new Set<string>();
    let failure: Refusal = 'no-server';
    while (failed.size < attempts) {
      const got = await backend.acquire({ key: client.remoteAddress, exclude: failed }, onCancel);
      if (typeof got === 'string') {
        const fallback = backend.config.fallback ? backends.get(backend.config.fallback) : undefined;
        if (got === 'no-server' && fallback && !visited.has(fallback)) {
          visited.add(fallback);
          backend = fallback;
          continue;
        }
        return failed.size > 0 && got === 'no-server' ? failure : got;
      }
      if (isGone()) {
        backend.end(got, 'cancelled');
        return 'cancelled';
      }
      const waitMs = clock() - start;
      const connectStart = clock();
      try {
        const preface = config.proxyProtocol === 'v2' ? encodeProxyV2({
          sourceAddress: client.remoteAddress, sourcePort: client.remotePort,
          destinationAddress: client.localAddress, destinationPort: client.localPort,
        }) : undefined;
        const reader = new UpstreamReader();
        const socket = await connectServer(got.server.address, { timeoutMs: config.connectTimeout, preface, onread: reader.onread });
        return { slot: got, backend, socket, reader, waitMs, connectMs: clock() - connectStart, retries: failed.size };
      } catch {
        got.server.stats.errors.connect++;
        backend.end(got, 'connect-error');
        failed.add(got.server.name);
        failure = 'connect-error';
      }
    }
    return failure;
  }

  async function handle(client: Socket): Promise<void> {
    const start = clock();
    const current = route;
    const { config } = current;
    const peer = `${client.remoteAddress}:${client.remotePort}`;
    stats.requests++;
    let gone = false;
    let cancelWait: (() => void) | undefined;
    const onGone = () => {
      gone = true;
      cancelWait?.();
    };
    client.on('error', () => {});
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.once('close', onGone);
    const got = await lease(client, () => gone, (cancel) => (cancelWait = cancel), start, current);
    client.off('close', onGone);
    if (typeof got === 'string' || gone) {
      if (typeof got !== 'string') {
        got.socket.destroy();
        got.backend.end(got.slot, 'cancelled');
      }
      const refusal = typeof got === 'string' ? got : 'cancelled';
      if (refusal === 'queue-full') stats.queueFull++;
      else if (refusal === 'queue-timeout') stats.queueTimeouts++;
      else if (refusal === 'cancelled') stats.errors.aborted++;
      else if (refusal === 'connect-error') stats.errors.connect++;
      else stats.noServer++;
      client.destroy();
      recordSession({
        frontend: config.name, backend: current.home.name, client: peer, waitMs: clock() - start, connectMs: -1,
        totalMs: clock() - start, bytesIn: client.bytesRead, bytesOut: 0, termination: typeof got === 'string' ? got : 'cancelled', retries: 0,
      }, accessLog);
      return;
    }
    const { slot, backend, socket } = got;
    const server = slot.server;
    const session = relay(client, socket, got.reader, { idleTimeoutMs: config.idleTimeout });
    sessions.add(session);
    server.sessions.add(session);
    sessionOpened(config.name);
    const result = await session.done;
    sessionClosed(config.name);
    sessions.delete(session);
    server.sessions.delete(session);
    const totalMs = clock() - start;
    const now = Date.now();
    for (const s of [stats, backend.stats, server.stats]) {
      s.bytesIn += result.bytesIn;
      s.bytesOut += result.bytesOut;
      s.time(totalMs, now);
      s.time(got.connectMs, now, 'connect');
      s.time(got.waitMs, now, 'queue');
    }
    backend.end(slot, result.end === 'server-error' || result.end === 'idle-timeout' ? 'reset' : 'success');
    recordSession({
      frontend: config.name, backend: backend.name, server: server.name, client: peer, waitMs: got.waitMs, connectMs: got.connectMs,
      totalMs, bytesIn: result.bytesIn, bytesOut: result.bytesOut, termination: result.end, retries: got.retries,
    }, accessLog);
  }

  const listenAt = parseHostPort(config.listen)!;
  // Half-open allowed both ways: a client may send its FIN and still read the reply (the FIN is
  // passed on; the session ends when both directions have).
  const server: Server = createServer({ noDelay: true, keepAlive: true, allowHalfOpen: true }, (client) => {
    void handle(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new TcpListenError(config.name, config.listen, error.code ?? error.message)));
    server.listen(listenAt.port, listenAt.host, () => resolve());
  });
  server.on('error', () => {});
  const bound = server.address() as { address: string; port: number };

  return {
    name: config.name,
    get config() {
      return route.config;
    },
    address: { host: bound.address, port: bound.port },
    update(next, backends) {
      route = routeOf(next, backends);
    },
    stats,
    get connections() {
      return clients.size;
    },
    async close(graceMs = 0) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (graceMs > 0 && sessions.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          const poll = setInterval(() => {
            if (sessions.size === 0) {
              clearTimeout(timer);
              clearInterval(poll);
              resolve();
            }
          }, 50);
          timer.unref();
          poll.unref();
        });
      }
      for (const session of sessions) session.shutdown();
      for (const client of clients) client.destroy(); // still queued or connecting
      await closed;
    },
  };
}
