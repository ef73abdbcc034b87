// One attempt of a request on one host: send through that host's keep-alive pool, classify the
// result the way retries and the outlier detector need it. Never throws.
//
// Hot path: an Attempt is its own abort handle. undici accepts an EventEmitter-shaped `signal`
// (on / once / removeListener), so one small object replaces an AbortController + AbortSignal
// (an EventTarget) per attempt, and the callback form of `request()` with the attempt as
// `opaque` lets one module-level function take every answer: no promise, no closure per attempt.
import type { EventEmitter } from 'node:events';
import type { Dispatcher } from 'undici';
import type { Outcome, PoolServer } from '../balance/server-pool.js';

export interface AttemptRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export type AttemptResult =
  | { kind: 'response'; server: PoolServer; startedAt: number; data: Dispatcher.ResponseData; outcome: Outcome }
  | { kind: 'error'; server: PoolServer; startedAt: number; error: unknown; outcome: Outcome };

const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** How a transport error ended the attempt: connect errors never reached the server. */
export function classifyError(error: unknown): Outcome {
  const e = error as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR') return 'cancelled';
  const code = e?.code ?? e?.cause?.code ?? '';
  if (CONNECT_CODES.has(code)) return 'connect-error';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  return 'reset';
}

/** Who hears about a finished attempt (the request it belongs to). */
export interface AttemptOwner {
  attemptDone(attempt: Attempt): void;
}

export class Attempt {
  /** Set when the attempt finished (answer or error); `result` is then valid. */
  done = false;
  result: AttemptResult | undefined;
  /** The abort-signal face undici sees. */
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | undefined;

  constructor(
    readonly owner: AttemptOwner,
    readonly server: PoolServer,
    readonly startedAt: number,
    readonly hedge: boolean,
    readonly retry: boolean,
  ) {}

  /**
   * Send on `dispatcher` (headers as an object or a flat list); the owner's attemptDone() runs
   * once, asynchronously. `abortable`: hand undici this attempt as the signal, so abort() cuts
   * it. Without it (no hedge race, no caller signal) the attempt is cut at the deadline by
   * undici's own headers timeout, and undici registers no abort listeners.
   */
  send(dispatcher: Dispatcher, request: AttemptRequest, headers: Record<string, string> | string[], timeout: number, abortable: boolean): void {
    const t = Math.max(1, timeout);
    dispatcher.request({
      method: request.method as Dispatcher.HttpMethod,
      path: request.path,
      headers,
      body: request.body,
      signal: abortable ? (this as unknown as EventEmitter) : undefined,
      opaque: this,
      headersTimeout: t,
      bodyTimeout: t,
    }, onAnswer);
  }

  /** Cancel: an attempt in flight ends as 'cancelled'; a body already received is destroyed. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }

  // EventEmitter subset used by undici for `signal`.
  on(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }
  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }
  removeListener(_event: 'abort', listener: () => void): this {
    if (this.listener === listener) this.listener = undefined;
    return this;
  }

  finish(result: AttemptResult): void {
    if (this.done) return;
    this.done = true;
    this.result = result;
    this.owner.attemptDone(this);
  }
}

function onAnswer(error: Error | null, data: Dispatcher.ResponseData<unknown>): void {
  const attempt = data.opaque as Attempt;
  if (error) {
    attempt.finish({
      kind: 'error', server: attempt.server, startedAt: attempt.startedAt, error,
      outcome: attempt.aborted ? 'cancelled' : classifyError(error),
    });
  } else {
    attempt.finish({
      kind: 'response', server: attempt.server, startedAt: attempt.startedAt, data: data as Dispatcher.ResponseData,
      outcome: data.statusCode >= 500 ? 'server-error' : 'success',
    });
  }
}
