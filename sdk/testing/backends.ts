// Real HTTP servers for the sdk's integration tests and benchmarks: each on a random loopback
// port, with a behaviour the test changes on the fly (delay, status, health) and a kill/restart
// that really closes the socket. Not part of the public API.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BackendBehaviour {
  /** Delay before answering, ms; a function gets a random source per request. */
  delay: number | (() => number);
  status: number;
  healthy: boolean;
}

export interface TestBackend {
  readonly url: string;
  readonly port: number;
  behaviour: BackendBehaviour;
  /** Requests received (health checks excluded). */
  hits: number;
  /** Deadline header values seen. */
  deadlines: number[];
  kill(): Promise<void>;
  restart(): Promise<void>;
}

function listen(server: http.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startBackend(behaviour: Partial<BackendBehaviour> = {}): Promise<TestBackend> {
  let server: http.Server;
  const backend: TestBackend = {
    url: '',
    port: 0,
    behaviour: { delay: 0, status: 200, healthy: true, ...behaviour },
    hits: 0,
    deadlines: [],
    kill: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    restart: async () => {
      server = create();
      await listen(server, backend.port);
    },
  };
  const create = () => http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.statusCode = backend.behaviour.healthy ? 200 : 503;
      res.end();
      return;
    }
    backend.hits++;
    const deadline = req.headers['x-tiered-deadline-ms'];
    if (typeof deadline === 'string') backend.deadlines.push(Number(deadline));
    const { delay, status } = backend.behaviour;
    const wait = typeof delay === 'function' ? delay() : delay;
    const timer = setTimeout(() => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ port: backend.port, path: req.url }));
    }, wait);
    res.on('close', () => clearTimeout(timer));
    req.resume();
  });
  server = create();
  server.keepAliveTimeout = 5_000;
  const port = await listen(server);
  Object.assign(backend, { port, url: `http://127.0.0.1:${port}` });
  return backend;
}

export async function startBackends(n: number, behaviour: Partial<BackendBehaviour> = {}): Promise<TestBackend[]> {
  return Promise.all(Array.from({ length: n }, () => startBackend(behaviour)));
}

/** Runs `total` calls of `fn` with at most `concurrency` at once. */
export async function runConcurrently<T>(total: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(total);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}
