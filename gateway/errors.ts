// Errors of the gateway component (HTTP mode), each with a stable code. TCP mode's own errors
// are in tcp/errors.ts.
import { TieredError } from '../sdk/errors.js';

export class GatewayConfigError extends TieredError {
  constructor(message: string) {
    super('TIERED_ERR_GATEWAY_CONFIG', message);
  }
}

export class GatewayListenError extends TieredError {
  constructor(what: string, listen: string, reason: string) {
    super('TIERED_ERR_GATEWAY_LISTEN', `${what} cannot listen on ${listen}: ${reason}`);
  }
}

/** The admin port refuses a non-loopback address unless a bearer token is set. */
export class AdminExposedError extends TieredError {
  constructor(listen: string) {
    super('TIERED_ERR_GATEWAY_ADMIN_EXPOSED', `admin port ${listen} is not a loopback address: set TIERED_ADMIN_TOKEN (or gateway.admin.token) to expose it`);
  }
}

export class UnknownServerError extends TieredError {
  constructor(backend: string, server?: string) {
    super('TIERED_ERR_GATEWAY_UNKNOWN_SERVER', server === undefined ? `no backend "${backend}"` : `no server "${server}" in backend "${backend}"`);
  }
}

export type ServerConnectionErrorCode = 'UPSTREAM_CONNECT_TIMEOUT' | 'UPSTREAM_TIMEOUT' | 'UPSTREAM_CLOSED' | 'UPSTREAM_BAD_RESPONSE';

/**
 * A request the native engine could not complete on its server connection (socket errors keep
 * their own errno codes). `code` names the failure for the exchange's 502/504 detail; `parserCode`
 * keeps llhttp's HPE_* code of a malformed response.
 */
export class ServerConnectionError extends TieredError {
  declare readonly code: ServerConnectionErrorCode;
  constructor(code: ServerConnectionErrorCode, message: string, readonly parserCode?: string) {
    super(code, message);
  }
}
