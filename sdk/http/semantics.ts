// HTTP facts that decide retries, shared by the smart client and the gateway (RFC 9110 §9.2.2,
// §15.6): which methods are idempotent, which statuses say "another server may answer". Pure.

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** GET, HEAD, OPTIONS, PUT, DELETE and TRACE: sending them twice has the effect of once. */
export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

/** 502, 503 and 504: the server (or one behind it) could not answer; another server may. */
export function isRetryableStatus(status: number): boolean {
  return status >= 502 && status <= 504;
}

/** How an attempt failed, as far as a retry is concerned. */
export type AttemptFailure = 'connect' | 'reset' | 'status' | 'timeout';

/**
 * The one retry rule of the smart client and the gateway (each adds its own attempt limit, body
 * and budget checks):
 * - a connect failure never reached a server: retried for any method;
 * - a reset before the response, or a 502/503/504: retried only for an idempotent request;
 * - a timeout is not retried, idempotent or not. The server may still be working on it (a
 *   timeout most often means an overloaded or stuck server), so a retry doubles the load where it
 *   hurts most, and the retry budget cannot tell overload from one bad host. HAProxy's default
 *   (`retry-on conn-failure`) and Envoy's (`retry_on` unset) make the same choice; the client's
 *   hedging, not a retry, is the answer to a slow host.
 */
export function retryableFailure(failure: AttemptFailure, idempotent: boolean): boolean {
  switch (failure) {
    case 'connect': return true;
    case 'reset':
    case 'status': return idempotent;
    default: return false;
  }
}
