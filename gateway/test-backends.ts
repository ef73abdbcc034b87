// Test support (not a test): real HTTP backend servers on free loopback ports that answer with
// their own name, can be slowed down, broken or stopped, and count what they received.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { Agent, request as httpRequestRaw } from 'node:http';

export interface TestBackend {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  /** Requests received (all paths but the health path). */
  hits: number;
  /** Health checks received. */
  checks: number;
  /** The last request's headers. */
  lastHeaders: IncomingMessage['headers'];
  /** Milliseconds to wait before answering (0). */
  delay: number;
  /** Status to answer with (200); `health` answers the health path. */
  status: number;
  health: number;
  /** TCP connections accepted so far / open now. */
  connections: number;
  openConnections(): number;
  handler?: (req: IncomingMessage, res: ServerResponse) => boolean;
  server: Server;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startTestBackend(name: string, port = 0): Promise<TestBackend> {
  const sockets = new Set<Socket>();
  const backend: TestBackend = {
    name, port, address: '', hits: 0, checks: 0, lastHeaders: {}, delay: 0, status: 200, health: 200, connections: 0,
    openConnections: () => sockets.size,
    server: undefined as unknown as Server,
    async stop() {
      await new Promise<void>((resolve) => {
        backend.server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    async start() {
      backend.server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
        if (req.url === '/healthz') {
          backend.checks++;
          res.writeHead(backend.health, { 'content-type': 'text/plain' });
          res.end('ok');
          return;
        }
        backend.hits++;
        backend.lastHeaders = req.headers;
        if (backend.handler?.(req, res)) return;
        const answer = () => {
          const body = `${name} ${req.method} ${req.url}`;
          res.writeHead(backend.status, { 'content-type': 'text/plain', 'x-server': name, 'content-length': Buffer.byteLength(body) });
          res.end(body);
        };
        req.resume();
        req.on('end', () => (backend.delay > 0 ? setTimeout(answer, backend.delay) : answer()));
      });
      backend.server.on('connection', (socket: Socket) => {
        backend.connections++;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => backend.server.listen(backend.port, '127.0.0.1', () => resolve()));
      const address = backend.server.address();
      (backend as { port: number }).port = typeof address === 'object' && address ? address.port : backend.port;
      (backend as { address: string }).address = `127.0.0.1:${backend.port}`;
    },
  };
  await backend.start();
  return backend;
}

export interface SimpleResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request through node:http (no keep-alive unless an agent is given). */
export function httpRequest(port: number, options: { path?: string; method?: string; headers?: Record<string, string>; body?: string; agent?: import('node:http').Agent | false } = {}): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequestRaw({ host: '127.0.0.1', port, path: options.path ?? '/', method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes on a new connection and returns everything the gateway answered until it closed (or timeoutMs). */
export function rawExchange(port: number, text: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(text);
  });
}

/** The HTTP engines the proxy tests run against: every behaviour holds on both. */
export const HTTP_ENGINES = ['native', 'undici', 'http-proxy-3'] as const;

/** The same backends, carried by `engine`. */
export function withEngine<T extends object>(engine: (typeof HTTP_ENGINES)[number], backends: T[]): (T & { engine: string })[] {
  return backends.map((b) => ({ ...b, engine }));
}

/**
 * Requests in a loop from `concurrency` keep-alive clients until stopped; counts answers by the
 * backend that gave them and failures. `resendOnce`: like browsers and most HTTP clients, a GET
 * whose connection broke before any answer is sent once more, on a new connection (RFC 9110
 * §9.2.2: idempotent); only a request that still fails counts as failed.
 */
export function loadLoop(port: number, concurrency: number, options: { resendOnce?: boolean } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let running = true;
  const result = { ok: 0, resent: 0, failed: [] as string[], bodies: new Map<string, number>() };
  const once = (fresh = false) => httpRequest(port, { path: '/load', agent: fresh ? false : agent });
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        let res: SimpleResponse;
        try {
          res = await once();
        } catch (error) {
          if (!options.resendOnce) throw error;
          result.resent++;
          res = await once(true);
        }
        if (res.status === 200) {
          result.ok++;
          const who = res.body.split(' ')[0];
          result.bodies.set(who, (result.bodies.get(who) ?? 0) + 1);
        } else result.failed.push(`status ${res.status}`);
      } catch (error) {
        result.failed.push((error as Error).message);
      }
    }
  });
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
