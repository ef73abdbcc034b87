// Load generators for HTTP suites: open model (fixed rate, latency) and closed model (throughput).
export { openLoad, toSample, type OpenLoadOptions } from './open.js';
export { closedLoad, closedTool, parseWrkOutput, parseAutocannonOutput, type ClosedLoadOptions } from './closed.js';
export { openModel, closedModel, type HttpTarget, type OpenModelOptions, type ClosedModelOptions } from './measure.js';
export type { OpenLoadSpec, ClosedLoadSpec, LoadResult } from './types.js';
