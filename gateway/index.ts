// Public API of tiered/gateway: start the gateway (HTTP + TCP frontends, admin port) from the
// `gateway:` config section, or run it as a process with signals and workers.
export { startGateway, validateGatewayConfig, type Gateway, type GatewayOptions } from './gateway.js';
export { runGateway, type GatewaySource } from './process.js';
export { quickConfig, backendAddress, type QuickOptions } from './quick-config.js';
export {
  gatewayConfigSchema, parseGatewayConfig, BALANCE_ALGORITHMS,
  type GatewayConfig, type GatewayInput, type BackendConfig, type ServerConfig, type FrontendConfig,
  type HttpFrontendConfig, type TcpFrontendConfig, type CheckConfig, type BalanceAlgorithm,
} from './config.js';
export { defaultDbPorts, type DefaultDbPortsOptions } from './tcp/defaults.js';
export { BackendRuntime } from './backend/backend.js';
export { ServerRuntime } from './backend/server.js';
export type { GatewayStats, BackendStats, ServerStats, FrontendStats } from './admin/stats-model.js';
export { GatewayConfigError, GatewayListenError, AdminExposedError, UnknownServerError } from './errors.js';
export { parsePurgeBody, purgeBodySchema, type PurgeRequest } from './edge/purge-body.js';
export type { PurgeResult } from './edge/edges.js';
export { edgeConfigSchema, type EdgeConfig, type EdgeInput } from './edge/config.js';
export type { EdgeStatsSnapshot } from './edge/stats.js';
export { EdgeError, EdgePurgeBodyError, EdgeStoredObjectError, EdgeOriginError } from './edge/errors.js';
