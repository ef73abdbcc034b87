// The benchmark harness (loadtests/bench) and k6 scripts (loadtests/k6): public API for suites.
export * from './bench/suite.js';
export { runSuite, type RunSuiteOptions, type SuiteRun } from './bench/runner.js';
export { listSuites, loadSuite } from './bench/registry.js';
export { runBench, benchOptions, type BenchFlags, type BenchRun } from './bench/cli.js';
export * from './bench/loadgen/index.js';
export * from './bench/peers/index.js';
export { startProcess, startNodeScript, startTiered, adoptChild, waitUntilListening, type OwnedProcess } from './bench/process.js';
export { startStack, type BenchStack, type BenchStackOptions } from './bench/stack.js';
export { treeCpuSeconds } from './bench/cpu.js';
export { newLatencyHistogram, encodeHistogram, decodeHistogram, tableFromHistogram } from './bench/stats.js';
export type { SuiteResult, ScenarioResult, PeerResult } from './bench/results.js';
