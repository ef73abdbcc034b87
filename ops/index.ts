// Public API of tiered/ops: config loading, the local stack, telemetry start-up, `up`.
export { loadConfigFile, parseConfigText, parseConfig, interpolateEnv, tieredConfigSchema, type TieredConfig } from './config/index.js';
export { stackUp, stackDown, summarize, type StackOptions, type StackSummary } from './stack/stack.js';
export { stackStatus, type ServerStatus } from './stack/status.js';
export { startTelemetry, type TelemetryHandle } from './telemetry.js';
export { up, type ServiceStarter, type RunningService } from './up.js';
export { UsageError, MissingBinaryError, StackError } from './errors.js';
