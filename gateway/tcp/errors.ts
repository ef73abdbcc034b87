// Errors of the gateway's TCP mode, each with a stable code.
import { TieredError } from '../../sdk/errors.js';

export class TcpConnectError extends TieredError {
  readonly timedOut: boolean;
  constructor(address: string, reason: string, timedOut = false) {
    super(timedOut ? 'TIERED_ERR_GATEWAY_TCP_CONNECT_TIMEOUT' : 'TIERED_ERR_GATEWAY_TCP_CONNECT', `cannot connect to ${address}: ${reason}`);
    this.timedOut = timedOut;
  }
}

export class TcpListenError extends TieredError {
  constructor(frontend: string, listen: string, reason: string) {
    super('TIERED_ERR_GATEWAY_TCP_LISTEN', `frontend ${frontend} cannot listen on ${listen}: ${reason}`);
  }
}
