// When a failed attempt is tried again on another server. Pure.
// - A connect failure never reached a server: retried for any method (the exchange holds the
//   client's body back until the server is connected, so a body is never half-sent).
// - An idempotent request (GET, HEAD, OPTIONS, PUT, DELETE) is also retried after an upstream
//   reset before the response, and on 502/503/504, when it carries no body (a body already
//   streamed to the first server cannot be sent again).
// - A non-idempotent request is never retried once bytes may have reached a server.
// - Never past `attempts` retries, never on a server already tried (the caller excludes them),
//   and only within the retry budget.

import { isIdempotentMethod } from '../../sdk/http/semantics.js';

export type AttemptFailure = 'connect' | 'reset' | 'status' | 'timeout';

export interface RetryQuestion {
  method: string | undefined;
  /** Body bytes already went to a server (they cannot be sent again). */
  hasBody: boolean;
  failure: AttemptFailure;
  /** Retries already made. */
  retries: number;
  maxRetries: number;
}

/** Whether the failure is of a kind that may be retried (the budget is asked afterwards). */
export function mayRetry(q: RetryQuestion): boolean {
  if (q.retries >= q.maxRetries) return false;
  if (q.hasBody) return false;
  switch (q.failure) {
    case 'connect': return true;
    case 'reset':
    case 'status': return isIdempotentMethod(q.method ?? 'GET');
    default: return false;
  }
}

export function requestHasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
