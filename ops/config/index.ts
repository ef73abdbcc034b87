export { loadConfigFile, parseConfigText, parseConfig } from './load.js';
export { interpolateEnv } from './interpolate.js';
export { tieredConfigSchema, type TieredConfig } from './schema.js';
