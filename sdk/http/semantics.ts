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
