// The queue view: a plain node:http `(req, res)` handler for the gateway's admin port (or any
// server). GET <base> renders depth per state, rates, dead letters and schedules (HTML, or
// JSON with ?format=json); POST <base>/retry (ref) and <base>/retry-all (queue) retry dead
// letters and redirect back. It has no authentication of its own: mount it behind the admin
// port's loopback binding and bearer token, e.g.
//   const view = queueViewHandler({ producer, basePath: '/queues' });
//   admin.on('request', (req, res) => req.url?.startsWith('/queues') ? view(req, res) : …);
import type { IncomingMessage, ServerResponse } from 'node:http';
import { discoverQueues, listFailed, queueStats, retryAllFailed, retryFailed } from '../admin.js';
import { readSchedules } from '../cron/state.js';
import { RedisUnavailableError } from '../errors.js';
import type { Producer } from '../producer.js';
import { renderQueueView } from './view-html.js';

export interface QueueViewOptions {
  producer: Producer;
  /** Default `/queues`. */
  basePath?: string;
  /** Only these queues (default: every queue found under the producer's prefix). */
  queues?: string[];
  /** Dead letters shown per queue (default 20). */
  failedLimit?: number;
}

async function readForm(req: IncomingMessage, limit = 16_384): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) break;
  }
  return new URLSearchParams(body);
}

export function queueViewHandler(options: QueueViewOptions) {
  const { producer } = options;
  const base = (options.basePath ?? '/queues').replace(/\/+$/, '');
  const queues = async () => options.queues ?? discoverQueues(producer.redis, producer.prefix);

  return async function queueView(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (req.method === 'POST' && (url.pathname === `${base}/retry` || url.pathname === `${base}/retry-all`)) {
        const form = await readForm(req);
        if (url.pathname.endsWith('/retry-all')) await retryAllFailed(producer, form.get('queue') ?? '');
        else await retryFailed(producer, form.get('ref') ?? '');
        res.writeHead(303, { location: base }).end();
        return;
      }
      if (req.method !== 'GET' || (url.pathname !== base && url.pathname !== `${base}/`)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      const names = await queues();
      const [stats, failedLists, schedules] = await Promise.all([
        queueStats(producer, names),
        Promise.all(names.map((q) => listFailed(producer, q, options.failedLimit ?? 20))),
        producer.guarded('schedules', () => readSchedules(producer.redis, producer.prefix)),
      ]);
      const failed = failedLists.flat().sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
      if (url.searchParams.get('format') === 'json') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify({ queues: stats, failed, schedules }));
        return;
      }
      const html = renderQueueView({ basePath: base, stats, failed, schedules, generatedAt: new Date() });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" }).end(html);
    } catch (error) {
      const down = error instanceof RedisUnavailableError;
      res.writeHead(down ? 503 : 500, { 'content-type': 'text/plain' }).end(down ? 'the job queue is unavailable (Redis down)\n' : `error: ${(error as Error)?.message}\n`);
    }
  };
}
