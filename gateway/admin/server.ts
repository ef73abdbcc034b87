// The admin port: GET /healthz, /stats (HTML), /stats.json, /metrics (Prometheus text);
// PUT /backends/{backend}/servers/{server} {"state": "drain"|"maint"|"ready", "weight": n};
// POST /reload; POST /edge/purge {"keys"|"urls"|"all", "soft"} (docs/edge.md). Loopback by default; a bearer token (TIERED_ADMIN_TOKEN or admin.token) is
// required on everything but /healthz when set, and binding a non-loopback address without
// one is refused.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { parseHostPort } from '../../sdk/config/schema.js';
import { TieredError } from '../../sdk/errors.js';
import { AdminExposedError, GatewayListenError } from '../errors.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayStats } from './stats-model.js';
import { metricsText } from './metrics-text.js';
import { statsHtml } from './stats-html.js';
import { StatsHistory } from './history.js';
import { parsePurgeBody, type PurgeRequest } from '../edge/purge-body.js';
import type { PurgeResult } from '../edge/edges.js';

/** How often the dashboard's latency history is sampled. */
export const HISTORY_SAMPLE_MS = 5_000;

/** What the admin port reads and drives (a gateway, or a cluster primary in front of workers). */
export interface AdminTarget {
  stats(): GatewayStats | Promise<GatewayStats>;
  setServer(backend: string, server: string, change: { state?: 'ready' | 'drain' | 'maint'; weight?: number }): void;
  /** Re-reads the config source and applies it; undefined in quick mode. */
  reload?: () => Promise<void>;
  /** Extra pages behind the same token (e.g. the queue view at /queues, mounted by ops/). */
  mounts?: AdminMount[];
  /** The CDN edge purge (`POST /edge/purge`): every edge of the gateway, and the other instances through the bus. */
  purge?: (request: PurgeRequest) => Promise<PurgeResult>;
}

/** A handler served under `prefix` on the admin port (after the bearer-token check). */
export interface AdminMount {
  prefix: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/** A state-changing request sent by a page of another site (CSRF) rather than by the admin pages or a script. */
export function isCrossSite(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

const serverChange = z.strictObject({
  state: z.enum(['ready', 'drain', 'maint']).optional(),
  weight: z.number().int().min(0).max(256).optional(),
});

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}

export function adminToken(config: NonNullable<GatewayConfig['admin']>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.TIERED_ADMIN_TOKEN || config.token || undefined;
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, `${JSON.stringify(value, null, 2)}\n`);

class BodyTooLarge extends RangeError {}

async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A percent-encoded path segment, or undefined when its encoding is broken (`%E0%A4%A`). */
function decodeName(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export async function startAdmin(
  config: NonNullable<GatewayConfig['admin']>,
  gateway: AdminTarget,
): Promise<AdminServer> {
  const token = adminToken(config);
  const listen = parseHostPort(config.listen)!;
  if (!isLoopback(listen.host) && !token) throw new AdminExposedError(config.listen);

  // Latency over time for the dashboard's plots: a sample of the stats every few seconds.
  const history = new StatsHistory();
  const sample = async () => history.record(await gateway.stats());
  const sampler = setInterval(() => void sample().catch(() => {}), HISTORY_SAMPLE_MS);
  sampler.unref();
  void sample().catch(() => {});

  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5000 }, (req, res) => {
    void handle(req, res).catch((error: unknown) => {
      const status = error instanceof TieredError && error.code === 'TIERED_ERR_GATEWAY_UNKNOWN_SERVER' ? 404 : error instanceof TieredError ? 400 : 500;
      if (!res.headersSent) json(res, status, { error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });

  // node:http hands CONNECT (and, with a listener, Upgrade) requests to these events and
  // without a listener just drops the connection: answer them like any unknown route instead.
  const refuseRaw = (status: string) => (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    // Read (and drop) what the client still sends, so its FIN is seen and the socket closes;
    // one that never closes its side is cut after a few seconds.
    socket.resume();
    setTimeout(() => socket.destroy(), 5000).unref();
    const body = `${JSON.stringify({ error: `${status.slice(4).toLowerCase()} on the admin port` })}\n`;
    socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  };
  server.on('connect', refuseRaw('405 Method Not Allowed'));
  server.on('upgrade', refuseRaw('400 Bad Request'));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://admin').pathname;
    } catch {
      return json(res, 400, { error: 'not a request target the admin port understands' });
    }
    if (path === '/healthz' && req.method === 'GET') return send(res, 200, 'ok\n', 'text/plain');
    if (!authorized(req, token)) {
      res.setHeader('www-authenticate', 'Bearer realm="tiered"');
      return json(res, 401, { error: 'missing or wrong bearer token' });
    }
    if (req.method === 'GET' && path === '/stats.json') return json(res, 200, await gateway.stats());
    if (req.method === 'GET' && (path === '/stats' || path === '/')) return send(res, 200, statsHtml(await gateway.stats(), history.series()), 'text/html; charset=utf-8');
    if (req.method === 'GET' && path === '/stats/history.json') return json(res, 200, history.series());
    if (req.method === 'GET' && path === '/metrics') return send(res, 200, metricsText(await gateway.stats()), 'text/plain; version=0.0.4; charset=utf-8');
    const serverPath = /^\/backends\/([^/]+)\/servers\/([^/]+)$/.exec(path);
    if (serverPath && (req.method === 'PUT' || req.method === 'POST')) {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (error) {
        if (error instanceof BodyTooLarge) return json(res, 413, { error: error.message });
        return json(res, 400, { error: 'expected a JSON body like {"state":"drain"} or {"weight":10}' });
      }
      const change = serverChange.safeParse(body);
      if (!change.success) return json(res, 400, { error: change.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      const backend = decodeName(serverPath[1]);
      const name = decodeName(serverPath[2]);
      if (backend === undefined || name === undefined) return json(res, 400, { error: 'bad percent-encoding in the backend or server name' });
      gateway.setServer(backend, name, change.data);
      const stats = await gateway.stats();
      const found = stats.backends.find((b) => b.name === backend)?.servers.find((s) => s.name === name);
      return json(res, 200, found ?? { ok: true });
    }
    for (const mount of gateway.mounts ?? []) {
      if (path !== mount.prefix && !path.startsWith(`${mount.prefix}/`)) continue;
      if (req.method !== 'GET' && req.method !== 'HEAD' && isCrossSite(req)) return json(res, 403, { error: 'cross-site request refused' });
      return mount.handler(req, res);
    }
    if (path === '/edge/purge' && req.method === 'POST') {
      if (isCrossSite(req)) return json(res, 403, { error: 'cross-site request refused' });
      if (!gateway.purge) return json(res, 409, { error: 'no edge cache on this gateway' });
      let text: string;
      try {
        text = await readBody(req, 2 * 1024 * 1024);
      } catch (error) {
        if (error instanceof BodyTooLarge) return json(res, 413, { error: error.message });
        throw error;
      }
      return json(res, 200, await gateway.purge(parsePurgeBody(text)));
    }
    if (path === '/reload' && req.method === 'POST') {
      if (!gateway.reload) return json(res, 409, { error: 'no config source to reload from (quick mode)' });
      await gateway.reload();
      return json(res, 200, { reloaded: true });
    }
    return json(res, 404, { error: `no route ${req.method} ${path}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new GatewayListenError('admin', config.listen, error.code ?? error.message)));
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : listen.port,
    close: () => new Promise<void>((resolve) => {
      clearInterval(sampler);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
