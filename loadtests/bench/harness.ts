// What `tiered bench` loads on demand (ops/commands/bench.ts). The harness belongs to the
// repository, not to the npm package: it needs the peers' binaries and the dev dependencies
// (autocannon, bentocache, tsx), so the package build leaves it out. Typed against the shape the
// command expects, so a change here that the command cannot take fails `npm run typecheck`.
import type { BenchHarness } from '../../ops/commands/bench.js';
import { BenchUsageError, runBench } from './cli.js';
import { listSuites } from './registry.js';
import { rerenderResults } from './report/write.js';

export const harness: BenchHarness = { BenchUsageError, runBench, listSuites, rerenderResults };
