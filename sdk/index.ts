// Public API of tiered/sdk: balancing primitives, smart clients, shared config units, logging.
export * from './config/index.js';
export * from './log/index.js';
export { TieredError, ConfigError } from './errors.js';
