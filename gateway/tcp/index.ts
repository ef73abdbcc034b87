// TCP mode (the L4 proxy of the DB read/write ports): what other components use directly.
// A TCP frontend is started by the gateway (startGateway) like an HTTP one, from the one config.
export { defaultDbPorts, type DefaultDbPortsOptions } from './defaults.js';
export { tcpFrontendFields, tcpBackendFields, postgresCheckSchema, tcpCheckSchema } from './config.js';
export { encodeProxyV2, decodeProxyV2 } from './proxy-protocol.js';
export { TcpConnectError, TcpListenError } from './errors.js';
