// Test fixture: a gateway with TCP frontends only, from the short form the TCP tests write
// (frontends without `mode`, which is then `tcp`).
import { startGateway, type Gateway, type GatewayOptions } from '../gateway.js';

export interface TcpTestInput {
  frontends: Record<string, unknown>[];
  backends: Record<string, unknown>[];
  grace?: string | number;
}

/** The gateway section for the short form. */
export function tcpInput(input: TcpTestInput): unknown {
  return {
    grace: 0, // stop() closes open sessions at once unless a test says otherwise
    ...input,
    frontends: input.frontends.map((f) => ({ mode: 'tcp', ...f })),
  };
}

export function startTcpGateway(input: TcpTestInput, options: GatewayOptions = {}): Promise<Gateway> {
  return startGateway(tcpInput(input), options);
}
