// `tiered bench [suite...]`: option parsing and the loop over suites (ops/commands/bench.ts
// registers it with the CLI; this file owns what the options mean).
import { join, resolve } from 'node:path';
import { packageRoot } from '../../ops/package-root.js';
import { parseDuration } from '../../sdk/config/units.js';
import { killAllOwnedSync, stopAllOwned } from './process.js';
import { Progress } from './progress.js';
import { listSuites, loadSuite } from './registry.js';
import { missingRequirements, runSuite, scenarioPlan, type SuiteRun } from './runner.js';
import type { BenchOptions } from './suite.js';

export const DEFAULT_RESULTS_DIR = join(packageRoot(), 'loadtests', 'results');

export interface BenchFlags {
  quick?: boolean;
  duration?: string;
  warmup?: string;
  rounds?: string;
  rate?: string;
  connections?: string;
  workers?: string;
  scenario?: string;
  out?: string;
  progress?: boolean;
}

export class BenchUsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new BenchUsageError(`--${name}: expected a positive integer, got '${value}'`);
  return n;
}

function duration(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  try {
    return parseDuration(value);
  } catch (error) {
    throw new BenchUsageError(`--${name}: ${(error as Error).message}`);
  }
}

/** Run-wide options: full runs measure 3 rounds × 10 s per peer; --quick 1 round × 1 s. */
export function benchOptions(flags: BenchFlags): BenchOptions {
  const quick = Boolean(flags.quick);
  return {
    quick,
    durationMs: duration('duration', flags.duration, quick ? 1000 : 10_000),
    warmupMs: duration('warmup', flags.warmup, quick ? 500 : 3000),
    rounds: positiveInt('rounds', flags.rounds, quick ? 1 : 3),
    rate: positiveInt('rate', flags.rate, 1000),
    connections: positiveInt('connections', flags.connections, 32),
    workers: positiveInt('workers', flags.workers, 1),
  };
}

/** Suite names from the arguments: 'all' (or none with --quick) means every suite. */
export function resolveSuiteNames(args: string[], known: string[], quick: boolean): string[] {
  if (args.length === 0 && !quick) throw new BenchUsageError(`name a suite (${known.join(', ')}) or 'all'`);
  const names = args.length === 0 || args.includes('all') ? known : args;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new BenchUsageError(`unknown suite${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return names;
}

export interface BenchRun {
  runs: SuiteRun[];
  /** Ctrl-C: the results written are partial. */
  interrupted: boolean;
}

export async function runBench(args: string[], flags: BenchFlags): Promise<BenchRun> {
  const options = benchOptions(flags);
  const names = resolveSuiteNames(args, listSuites(), options.quick);
  const outDir = resolve(flags.out ?? DEFAULT_RESULTS_DIR);
  const scenarios = flags.scenario?.split(',').map((s) => s.trim()).filter(Boolean);
  const suites = await Promise.all(names.map((n) => loadSuite(n)));
  const missing = suites.flatMap((s) => missingRequirements(s).map((m) => `${s.name} needs ${m}`));
  if (missing.length) throw new BenchUsageError(missing.join('; '));
  // One bar per suite: a suite's plan is only known after its setup, so a bar spanning several
  // suites would jump backwards.
  let progress = new Progress(0, { silent: flags.progress === false });
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      killAllOwnedSync();
      process.exit(130);
    }
    progress.log('interrupted: stopping peers (Ctrl-C again to kill them)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('exit', killAllOwnedSync);
  const runs: SuiteRun[] = [];
  try {
    for (const [i, suite] of suites.entries()) {
      if (controller.signal.aborted) break;
      if (suites.length > 1) progress.log(`── suite ${i + 1}/${suites.length}: ${suite.name}`);
      runs.push(await runSuite(suite, { ...options, outDir, scenarios, progress, signal: controller.signal }));
      progress.finish();
      progress = new Progress(0, { silent: flags.progress === false });
    }
  } finally {
    progress.finish();
    await stopAllOwned();
    process.off('SIGINT', onSignal);
    process.off('exit', killAllOwnedSync);
  }
  return { runs, interrupted: controller.signal.aborted };
}

export { scenarioPlan };
