// When a failed attempt is tried again on another server. Pure. The kind of failure is judged by
// the rule the smart client uses too (sdk/http/semantics.ts `retryableFailure`: connect failures
// for any method, resets and 502/503/504 for idempotent requests, timeouts never); on top:
// - a body already streamed to a server cannot be sent again (the exchange holds the client's
//   body back until the server is connected, so a connect failure never half-sent one);
// - never past `attempts` retries, never on a server already tried (the caller excludes them),
//   and only within the retry budget.

import { isIdempotentMethod, retryableFailure, type AttemptFailure } from '../../sdk/http/semantics.js';

export type { AttemptFailure };

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
  return retryableFailure(q.failure, isIdempotentMethod(q.method ?? 'GET'));
}

export function requestHasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
