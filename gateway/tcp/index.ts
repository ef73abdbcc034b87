// Public API of the gateway's TCP mode (L4 proxy for the DB read/write ports).
export { startTcpGateway, type TcpGateway, type TcpGatewayOptions, type TcpGatewayStats } from './gateway.js';
export { startTcpFrontend, type TcpFrontend, type TcpFrontendStats } from './frontend.js';
export { TcpBackendRuntime } from './backend-runtime.js';
export { defaultDbPorts, type DefaultDbPortsOptions } from './defaults.js';
export type { TcpBackendStats, TcpServerStats } from './stats.js';
export {
  tcpFrontendFields, tcpBackendFields, postgresCheckSchema, tcpCheckSchema, tcpGatewaySchema,
  type TcpGatewayConfig, type TcpGatewayInput, type TcpFrontendConfig, type TcpBackendConfig, type PostgresCheckConfig,
} from './config.js';
export { encodeProxyV2, decodeProxyV2 } from './proxy-protocol.js';
export { TcpConnectError, TcpListenError } from './errors.js';
