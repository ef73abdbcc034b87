// The offline HTTP pattern: the request enqueues a job and answers `202 Accepted` with
// `Location: /jobs/{ref}`; the client polls that URL for queued | active | completed | failed,
// progress, and the result or error. Plain `(req, res)` functions, so they serve node:http as
// is, Express as middleware (`app.use(jobStatusHandler(producer))`) and Fastify through
// `reply.hijack(); handler(request.raw, reply.raw)`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidPayloadError, RedisUnavailableError } from '../errors.js';
import type { JobDefinition, PayloadOf } from '../job/define.js';
import { jobLocation } from '../job/refs.js';
import type { EnqueueOptions, Enqueued, Producer } from '../producer.js';

export interface OfflineOptions {
  /** Where the status endpoint is mounted (default `/jobs`). */
  basePath?: string;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Answers 202 Accepted for an enqueued job, pointing at its status resource. */
export function sendAccepted(res: ServerResponse, enqueued: Enqueued, options: OfflineOptions = {}): void {
  const location = jobLocation(options.basePath ?? '/jobs', enqueued.job, enqueued.id);
  sendJson(res, 202, { id: enqueued.ref, status: 'queued', location }, { location });
}

/**
 * Enqueues and answers: 202 + Location; 400 with the bad fields for an invalid payload; 503 +
 * Retry-After when Redis is down. Other errors are rethrown for the app's own error handling.
 */
export async function offload<D extends JobDefinition>(res: ServerResponse, producer: Producer, job: D, payload: PayloadOf<D>, options: EnqueueOptions & OfflineOptions = {}): Promise<Enqueued | undefined> {
  try {
    const enqueued = await producer.enqueue(job, payload, options);
    sendAccepted(res, enqueued, options);
    return enqueued;
  } catch (error) {
    if (error instanceof InvalidPayloadError) sendJson(res, 400, { error: error.code, problems: error.problems });
    else if (error instanceof RedisUnavailableError) sendJson(res, 503, { error: error.code, message: 'the job queue is unavailable; try again shortly' }, { 'retry-after': '2' });
    else throw error;
    return undefined;
  }
}

/**
 * `GET <basePath>/<job>:<id>` → 200 with the job's status (404 when unknown, 503 when Redis
 * is down). Requests for other paths are passed to `next` when given (Express), else 404.
 */
export function jobStatusHandler(producer: Producer, options: OfflineOptions = {}) {
  const base = (options.basePath ?? '/jobs').replace(/\/+$/, '');
  return async function jobStatus(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!path.startsWith(`${base}/`) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      if (next) return next();
      return sendJson(res, 404, { error: 'not_found' });
    }
    let ref: string;
    try {
      ref = decodeURIComponent(path.slice(base.length + 1));
    } catch {
      return sendJson(res, 400, { error: 'bad_job_id' });
    }
    try {
      const view = await producer.status(ref);
      if (!view) return sendJson(res, 404, { error: 'not_found', id: ref });
      const pending = view.status === 'queued' || view.status === 'active';
      sendJson(res, 200, view, pending ? { 'retry-after': '1' } : {});
    } catch (error) {
      if (error instanceof RedisUnavailableError) return sendJson(res, 503, { error: error.code }, { 'retry-after': '2' });
      if (next) return next(error);
      sendJson(res, 500, { error: 'internal' });
    }
  };
}
