// The queue view (depth, rates, dead letters with retry) mounted on the gateway's admin port
// at /queues. The gateway may not import queue/, so ops/ builds the handler and hands it over.
//
// The admin port faces whoever holds the token (and a browser's forms): a retry names a queue
// (`queue=…`) or a job (`ref=<queue>:<id>`) that is checked against the queues that exist
// before the view sees it. An unknown or empty name is a 404, a form over 16 KB a 413; never
// a 500 from BullMQ ("Queue name must be provided"), and never a new BullMQ Queue object kept
// by the producer for every name a client makes up.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Producer } from '../queue/producer.js';
import { discoverQueues } from '../queue/admin.js';
import { parseJobRef } from '../queue/job/refs.js';
import { queueViewHandler } from '../queue/http/view.js';
import type { AdminMount } from '../gateway/admin/server.js';

export interface QueueViewMount {
  mount: AdminMount;
  close(): Promise<void>;
}

const FORM_LIMIT = 16_384;

/** The whole body, or undefined when it is over `limit` bytes (the rest is not read). */
async function readAll(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
}

export function queueViewMount(redis: string, prefix = 'tiered', basePath = '/queues'): QueueViewMount {
  const producer = new Producer({ redis, prefix });
  const base = basePath.replace(/\/+$/, '');
  const view = queueViewHandler({ producer, basePath: base });

  async function handler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    if (req.method !== 'POST' || (path !== `${base}/retry` && path !== `${base}/retry-all`)) return view(req, res);
    const body = await readAll(req, FORM_LIMIT);
    if (!body) return answer(res, 413, `form over ${FORM_LIMIT} bytes\n`);
    const form = new URLSearchParams(body.toString('utf8'));
    const queue = path.endsWith('/retry-all') ? form.get('queue') ?? '' : parseJobRef(form.get('ref') ?? '')?.name ?? '';
    let known: string[];
    try {
      known = await producer.guarded('queue names', () => discoverQueues(producer.redis, producer.prefix));
    } catch {
      return answer(res, 503, 'the job queue is unavailable (Redis down)\n');
    }
    if (!queue || !known.includes(queue)) return answer(res, 404, path.endsWith('/retry-all') ? 'no such queue\n' : 'no such job (expected ref=<queue>:<id>)\n');
    // The view reads the form itself: hand it the bytes already read.
    const replay = Object.assign(Readable.from([body]), { method: req.method, url: req.url, headers: req.headers });
    return view(replay as unknown as IncomingMessage, res);
  }

  return {
    mount: { prefix: base, handler },
    close: () => producer.close(),
  };
}
