// Fuzz settings shared by every fuzz target (`*.fuzz.test.ts`), on fast-check. Not public API.
//
// A fuzz target is a fast-check property run against a real running process (a gateway, a
// backend, a Redis or memcached server): it sends generated hostile input, then checks that the
// process still answers a well-formed request. The same files run two ways:
//   short form (npm test):  TIERED_FUZZ unset: each target runs a few seconds (`short` below)
//   long form (npm run fuzz): TIERED_FUZZ=long, TIERED_FUZZ_SECONDS=N per target (default 60)
// A failure prints fast-check's seed and path; reproduce it with
//   TIERED_FUZZ_SEED=<seed> TIERED_FUZZ_PATH=<path> npx tsx --test <file>
// which replays exactly the shrunk counterexample.
import fc from 'fast-check';

export interface FuzzBudget {
  /** Seconds for this target in the short form (default 4). */
  short?: number;
  /** Upper bound on generated cases (default: as many as fit in the time). */
  maxRuns?: number;
}

export function fuzzLong(): boolean {
  return process.env.TIERED_FUZZ === 'long';
}

/** Milliseconds this target may run. */
export function fuzzTimeMs(budget: FuzzBudget = {}): number {
  if (fuzzLong()) return Number(process.env.TIERED_FUZZ_SECONDS ?? 60) * 1000;
  return (budget.short ?? 4) * 1000;
}

/** fast-check parameters for one target: time-bounded, seeded, replayable. */
export function fuzzParameters<T>(budget: FuzzBudget = {}): fc.Parameters<T> {
  const seed = process.env.TIERED_FUZZ_SEED;
  const path = process.env.TIERED_FUZZ_PATH;
  const timeMs = fuzzTimeMs(budget);
  const params: fc.Parameters<T> = {
    numRuns: budget.maxRuns ?? 1_000_000,
    interruptAfterTimeLimit: timeMs,
    markInterruptAsFailure: false,
    verbose: fc.VerbosityLevel.None,
    endOnFailure: false,
  };
  if (seed !== undefined) params.seed = Number(seed);
  if (path !== undefined) params.path = path;
  return params;
}

/** Runs an async property within the budget and reports how many cases ran (for the notes). */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(name: string, property: fc.IAsyncPropertyWithHooks<Ts>, budget: FuzzBudget = {}): Promise<number> {
  const details = await fc.check(property, fuzzParameters<Ts>(budget));
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    const example = JSON.stringify(details.counterexample, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? `<${(v as { data: number[] }).data.length} bytes: ${Buffer.from((v as { data: number[] }).data).toString('latin1').slice(0, 300)}>` : v));
    throw new Error(`fuzz target ${name} failed after ${details.numRuns} cases (shrunk ${details.numShrinks} times)\n` +
      `counterexample: ${clip(example)}\nerror: ${clip(error)}\n` +
      `reproduce: TIERED_FUZZ_SEED=${details.seed} TIERED_FUZZ_PATH=${details.counterexamplePath ?? ''} npx tsx --test <this file>`);
  }
  if (process.env.TIERED_FUZZ_REPORT) process.stderr.write(`fuzz ${name}: ${details.numRuns} cases, seed ${details.seed}\n`);
  return details.numRuns;
}

function clip(text: string | undefined, max = 3000): string {
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
