// Public API of tiered/sdk: balancing primitives, health, smart clients, shared config units, logging.
export * from './config/index.js';
export * from './log/index.js';
export {
  TieredError, ConfigError, NoHostAvailableError, DeadlineExceededError, UpstreamError,
  DbWriteUnavailableError, InvalidSessionTokenError,
} from './errors.js';
export { seededRng, defaultRng, monotonicClock, type Rng, type Clock } from './random.js';
export { PeakEwma, type PeakEwmaOptions } from './ewma.js';
export { RetryBudget, type RetryBudgetOptions, type RetryBudgetStats } from './retry-budget.js';
export { HedgePolicy, type HedgeOptions } from './hedge.js';
export * from './balance/index.js';
export * from './health/index.js';
export * from './http/index.js';
export * from './db/index.js';
