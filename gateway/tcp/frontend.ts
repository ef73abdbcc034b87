// A `mode: tcp` frontend: accept, find a server (balance, queue, fallback backend, connect
// retries on other servers), open it within the connect timeout, relay bytes until either
// side closes or the session idles out, then log and count the session.
import { createServer, type Server, type Socket } from 'node:net';
import { parseHostPort } from '../../sdk/config/schema.js';
import { monotonicClock, type Clock } from '../../sdk/random.js';
import { TcpBackendRuntime, type AcquireFailure } from './backend-runtime.js';
import type { TcpFrontendConfig } from './config.js';
import { connectServer } from './connect.js';
import { TcpListenError } from './errors.js';
import { encodeProxyV2 } from './proxy-protocol.js';
import { relay, type Relay } from './relay.js';
import type { TcpServerRuntime } from './server-runtime.js';
import { UpstreamReader } from './upstream-reader.js';
import { recordSession, sessionClosed, sessionOpened } from './telemetry.js';

export interface TcpFrontendDeps {
  backends: ReadonlyMap<string, TcpBackendRuntime>;
  clock?: Clock;
  /** Connect attempts on distinct servers before giving up (HAProxy `retries` + redispatch). */
  connectAttempts?: number;
  /** One JSON line per session (default true). */
  accessLog?: boolean;
}

export interface TcpFrontendStats {
  name: string;
  listen: string;
  backend: string;
  current: number;
  total: number;
  refused: number;
  bytesIn: number;
  bytesOut: number;
}

export interface TcpFrontend {
  readonly name: string;
  /** The config in force (changes on reload). */
  readonly config: TcpFrontendConfig;
  /** The bound address (the real port when listen asked for port 0). */
  readonly address: { host: string; port: number };
  /** Reload: new connections use this config and these backends (same listen address). */
  update(config: TcpFrontendConfig, backends: ReadonlyMap<string, TcpBackendRuntime>): void;
  stats(): TcpFrontendStats;
  /** Stops accepting; open sessions are closed after `graceMs` (default: at once). */
  close(graceMs?: number): Promise<void>;
}

interface Lease {
  server: TcpServerRuntime;
  backend: TcpBackendRuntime;
  socket: Socket;
  reader: UpstreamReader;
  waitMs: number;
  connectMs: number;
  /** When the slot was taken (the pool's clock), for releasing it. */
  startedAt: number;
  /** Failed connect attempts on other servers before this one. */
  retries: number;
}

type Refusal = AcquireFailure | 'connect-error';

export async function startTcpFrontend(config: TcpFrontendConfig, deps: TcpFrontendDeps): Promise<TcpFrontend> {
  const clock = deps.clock ?? monotonicClock;
  const attempts = deps.connectAttempts ?? 3;
  const accessLog = deps.accessLog ?? true;
  const routeOf = (c: TcpFrontendConfig, backends: ReadonlyMap<string, TcpBackendRuntime>) => {
    const home = backends.get(c.backend);
    if (!home) throw new TcpListenError(c.name, c.listen, `no backend named ${c.backend}`);
    return { config: c, backends, home };
  };
  /** What new connections use; replaced as a whole on reload (open sessions keep theirs). */
  let route = routeOf(config, deps.backends);
  const sessions = new Set<Relay>();
  /** Every accepted client not yet closed (queued, connecting or relaying). */
  const clients = new Set<Socket>();
  const counters = { current: 0, total: 0, refused: 0, bytesIn: 0, bytesOut: 0 };

  /** A connected server for this client, or why there is none. Retries connect errors elsewhere. */
  async function lease(
    client: Socket, isGone: () => boolean, onCancel: (c: () => void) => void, start: number, { config, backends, home }: typeof route,
  ): Promise<Lease | Refusal> {
    let backend = home;
    const visited = new Set([backend]);
    const failed = new Set<string>();
    let failure: Refusal = 'no-server';
    while (failed.size < attempts) {
      const got = await backend.acquire(client.remoteAddress, failed, onCancel);
      if (typeof got === 'string') {
        const fallback = backend.config.fallback ? backends.get(backend.config.fallback) : undefined;
        if (got === 'no-server' && fallback && !visited.has(fallback)) {
          visited.add(fallback);
          backend = fallback;
          continue;
        }
        return failed.size > 0 && got === 'no-server' ? failure : got;
      }
      const startedAt = backend.pool.clock();
      if (isGone()) {
        backend.release(got, startedAt, 'cancelled');
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
        const socket = await connectServer(got.address, { timeoutMs: config.connectTimeout, preface, onread: reader.onread });
        return { server: got, backend, socket, reader, waitMs, connectMs: clock() - connectStart, startedAt, retries: failed.size };
      } catch {
        got.totals.connectErrors++;
        backend.release(got, startedAt, 'connect-error');
        failed.add(got.id);
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
    counters.total++;
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
        got.backend.release(got.server, got.startedAt, 'cancelled');
      }
      counters.refused++;
      client.destroy();
      recordSession({
        frontend: config.name, backend: current.home.name, client: peer, waitMs: clock() - start, connectMs: -1,
        totalMs: clock() - start, bytesIn: client.bytesRead, bytesOut: 0, termination: typeof got === 'string' ? got : 'cancelled', retries: 0,
      }, accessLog);
      return;
    }
    const { server, backend, socket } = got;
    const session = relay(client, socket, got.reader, { idleTimeoutMs: config.idleTimeout });
    sessions.add(session);
    server.sessions.add(session);
    server.totals.sessions++;
    backend.totals.sessions++;
    counters.current++;
    sessionOpened(config.name);
    const result = await session.done;
    counters.current--;
    sessionClosed(config.name);
    sessions.delete(session);
    server.sessions.delete(session);
    server.totals.bytesIn += result.bytesIn;
    server.totals.bytesOut += result.bytesOut;
    counters.bytesIn += result.bytesIn;
    counters.bytesOut += result.bytesOut;
    server.times.record(got.connectMs, clock() - start);
    backend.release(server, got.startedAt, result.end === 'server-error' || result.end === 'idle-timeout' ? 'reset' : 'success');
    recordSession({
      frontend: config.name, backend: backend.name, server: server.id, client: peer, waitMs: got.waitMs, connectMs: got.connectMs,
      totalMs: clock() - start, bytesIn: result.bytesIn, bytesOut: result.bytesOut, termination: result.end, retries: got.retries,
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
    stats: () => ({ name: config.name, listen: `${bound.address}:${bound.port}`, backend: route.config.backend, ...counters }),
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
