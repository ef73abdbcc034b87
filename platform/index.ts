// Public API of tiered/platform: an internal platform service framework (resources, commands,
// read-your-writes through the cache, /healthz) and the demo app's pieces.
export { createPlatform, safeKey, type Platform, type PlatformOptions, type CommandOutcome } from './platform.js';
export {
  defineResource, defineCommand, defineApp,
  type Resource, type ResourceOptions, type ResourceContext, type Command, type CommandOptions, type CommandContext,
  type CommandMethod, type Invalidation, type PlatformApp,
} from './define.js';
export { PlatformError, HttpError, InvalidInputError, DefinitionError, MigrationError } from './errors.js';
export { SESSION_HEADER } from './http.js';
export { checkHealth, type HealthCheck, type HealthReport, type PartHealth } from './health.js';
export { migrate } from './migrations.js';
export { platformConfigSchema, type PlatformConfig } from './config.js';
