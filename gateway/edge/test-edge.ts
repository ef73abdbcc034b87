// Test support (not a test): an Edge behind a plain node:http server, with an origin reached by
// node:http — real sockets on both sides, without the gateway's exchange. The reply adapter is
// what the exchange implements in the gateway: the only writer to the client.
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Edge } from './edge.js';
import { parseEdgeConfig, type EdgeInput } from './config.js';
import type { EdgeReply, Origin, OriginRequest, OriginSink } from './seam.js';
import type { EdgeStore } from './store.js';

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);

/** An origin at `port` over node:http keep-alive: what the exchange's upstream path is to the edge. */
export function httpOrigin(port: number): Origin & { agent: Agent; requests: number } {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const origin = ((request: OriginRequest, sink: OriginSink) => {
    origin.requests++;
    let res: IncomingMessage | undefined;
    const req = httpRequest({ host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers, agent }, (response) => {
      res = response;
      const raw: string[] = [];
      for (let i = 0; i < response.rawHeaders.length; i += 2) if (!HOP.has(response.rawHeaders[i].toLowerCase())) raw.push(response.rawHeaders[i], response.rawHeaders[i + 1]);
      sink.head(response.statusCode ?? 502, raw);
      response.on('data', (chunk: Buffer) => {
        if (!sink.body(chunk)) response.pause();
      });
      response.on('end', () => sink.end());
      response.on('error', () => sink.error(502, 'origin closed mid-body'));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (res) sink.error(502, `origin closed mid-body (${error.code})`);
      else sink.error(502, `cannot connect to origin (${error.code ?? error.message})`);
    });
    req.end();
    return { resume: () => void res?.resume(), cancel: () => void req.destroy() };
  }) as unknown as Origin & { agent: Agent; requests: number };
  origin.agent = agent;
  origin.requests = 0;
  return origin;
}

function replyFor(req: IncomingMessage, res: ServerResponse, origin: Origin, edge: () => Edge): EdgeReply {
  return {
    get closed() {
      return res.writableEnded || res.destroyed;
    },
    head: (status, headers) => void res.writeHead(status, headers),
    write: (chunk) => res.write(chunk),
    onDrain: (listener) => void res.once('drain', listener),
    end: (chunk) => void res.end(chunk),
    fail: (status, detail) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`${detail}\n`);
    },
    abort: () => res.destroy(),
    pass: (extra) => {
      // The ordinary proxy path: one origin request of its own, the client's body and method.
      const headers: Record<string, string> = {};
      for (const name in req.headers) if (!HOP.has(name)) headers[name] = String(req.headers[name]);
      const up = httpRequest({ host: '127.0.0.1', port: (origin as { port?: number }).port, method: req.method, path: req.url, headers, agent: (origin as { agent?: Agent }).agent }, (response) => {
        const raw: string[] = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) if (!HOP.has(response.rawHeaders[i].toLowerCase()) && !/^surrogate-/i.test(response.rawHeaders[i])) raw.push(response.rawHeaders[i], response.rawHeaders[i + 1]);
        res.writeHead(response.statusCode ?? 502, [...raw, ...extra]);
        response.pipe(res);
        response.on('end', () => {
          if (response.statusCode) void edge().invalidate(req as never, response.statusCode, response.headers.location, response.headers['content-location']);
        });
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    },
  };
}

export interface TestEdgeServer {
  edge: Edge;
  origin: ReturnType<typeof httpOrigin>;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

export async function startTestEdge(originPort: number, config: EdgeInput = {}, store?: EdgeStore): Promise<TestEdgeServer> {
  const origin = httpOrigin(originPort);
  (origin as { port?: number }).port = originPort;
  const edge = new Edge(parseEdgeConfig(config), origin, store);
  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const reply = replyFor(req, res, origin, () => edge);
    void edge.handle({ method: req.method!, url: req.url!, headers: req.headers }, reply).catch((error: unknown) => reply.fail(500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    edge, origin, server,
    port: typeof address === 'object' && address ? address.port : 0,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      origin.agent.destroy();
      await edge.close();
    },
  };
}
