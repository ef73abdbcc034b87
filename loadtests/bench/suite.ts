// The suite API of the side-by-side benchmark harness (`tiered bench <suite>`).
//
// A suite compares Tiered with its peers in ONE run on ONE machine, so that the ratios mean
// something even where the absolute numbers drift. It declares:
//
//   - `setup(ctx)`: what every peer shares (HTTP backends, a Redis, a PostgreSQL...). Optional.
//     Whatever it returns is handed to `scenarios(env, ctx)` and to `teardown(env, ctx)`.
//   - `scenarios(env, ctx)`: the list of scenarios. Each scenario names its peers and how to take
//     ONE measurement of one running peer.
//   - a peer: `start(ctx)` starts it on loopback (free ports, processes it owns) and returns a
//     `RunningPeer` with the `target` the measurement talks to, the `pids` whose process tree is
//     charged with CPU time, and `stop()`. A peer that cannot run yet (Tiered's row before the
//     component lands) is declared with `pendingPeer(name, note)`: the row is printed with the note.
//   - `measure(target, run)`: runs the load (use `openLoad` / `closedLoad` from ./loadgen for HTTP,
//     or anything for jobs, cache ops, pgbench transactions) for about `run.durationMs` and returns
//     a `Sample`: operations done, the measured wall time, errors, latency (an hdr histogram in
//     microseconds, encoded, or a percentile table), and optional extra figures.
//
// The harness (./runner.ts) then, per scenario: starts all peers, warms each one up (a measure
// call with `run.warmup = true`, discarded), runs `rounds` rounds interleaved (A B C, A B C...)
// so drift hits every peer alike, reads CPU seconds of each peer's process tree from
// /proc/<pid>/stat around each measurement, stops the peers, and reports per peer: <unit>/s,
// p50/p99/p99.9, CPU seconds per 10k operations, errors, the extra figures, the ratio
// subject/peer (the subject is Tiered's row) and peer/baseline (e.g. direct). It prints a table,
// writes loadtests/results/<suite>-<date>.json (+ .md table) and an SVG of latency percentiles.
//
// Non-HTTP suites use the same machinery: set `unit` ('job', 'op', 'tx'), return `operations`
// and a latency histogram of what they time (enqueue→start, get, transaction), and put the
// figures that are theirs alone (hit ratio, origin calls, extra requests %) in `extra`, declared
// in `extraColumns` so they get a column, a JSON field and a ratio if asked for.
//
// Adding a suite: create loadtests/bench/suites/<name>.ts (or suites/<name>/index.ts) with
// `export default defineSuite({...})`. The harness finds it by file name; nothing to register.
// It checks the declaration before starting anything (unique scenario and peer names, subject
// and baseline among the peers, compare keys that are figures or extra columns). Extra files a
// suite writes (its own plots) go to `ctx.outDir`, named with `ctx.stamp`.
// `--quick` (CI) must keep the suite under ~30 s: use `ctx.quick` to pick short durations,
// few rounds, low counts. Quick runs check that the harness works and ratios come out; nothing
// ever asserts speed.

/** What the harness hands to every suite, peer and scenario. */
export interface BenchContext {
  /** CI mode: short durations, one round; checks the machinery, not the speed. */
  readonly quick: boolean;
  /** Number of worker threads/processes a proxy under test may use (HAProxy nbthread = Tiered workers). */
  readonly workers: number;
  /** A private temp folder for this run (configs, logs); removed at the end. */
  readonly tmpDir: string;
  /** The results folder of this run (--out; loadtests/results by default): put extra plots here. */
  readonly outDir: string;
  /** The run's start time as used in result file names ('2026-11-23T22-40-05Z'). */
  readonly stamp: string;
  /** Run-wide options from the command line (`--rate`, `--duration`, `--rounds`), already parsed. */
  readonly options: BenchOptions;
  /** Progress/diagnostic line on stderr (does not disturb the progress bar). */
  log(message: string): void;
  /** Aborted on Ctrl-C: long measurements should stop early. */
  readonly signal: AbortSignal;
}

export interface BenchOptions {
  quick: boolean;
  /** Measured time per round, ms (a scenario may scale it). */
  durationMs: number;
  /** Warm-up time per peer, ms. */
  warmupMs: number;
  /** Measured rounds per peer (interleaved). */
  rounds: number;
  /** Fixed arrival rate for open-model scenarios, requests/s. */
  rate: number;
  /** Connections for closed-model scenarios. */
  connections: number;
  workers: number;
}

/** One measurement call. */
export interface MeasureRun {
  /** How long to apply load, ms. */
  readonly durationMs: number;
  /** True for the warm-up call: its sample is discarded. */
  readonly warmup: boolean;
  /** 1-based round number (0 for the warm-up). */
  readonly round: number;
  readonly peer: string;
  readonly ctx: BenchContext;
}

/** Latency as a percentile table: percentile (0–100) → milliseconds. */
export interface PercentileTable {
  points: Array<{ p: number; ms: number }>;
  meanMs?: number;
  maxMs?: number;
}

/** What one measurement returns. */
export interface Sample {
  /** Operations completed successfully in the window (requests, jobs, transactions, gets). */
  operations: number;
  /** Measured wall time of the window, ms. */
  elapsedMs: number;
  /** Failed operations (non-2xx, socket errors, timeouts). */
  errors?: number;
  /** Latency histogram in MICROseconds, encoded with hdr-histogram-js encodeIntoCompressedBase64. Preferred: rounds merge exactly. */
  histogram?: string;
  /** Latency as percentiles, when the tool only reports those (wrk, autocannon, pgbench). */
  latency?: PercentileTable;
  /** CPU seconds to charge to this peer, when it is not a process tree (in-process clients). */
  cpuSeconds?: number;
  /** Suite-specific figures (hit ratio, extra requests %, origin calls...), keyed as in `extraColumns`. */
  extra?: Record<string, number>;
  /** Free-form notes (tool used, offered rate) recorded in the JSON. */
  notes?: Record<string, string | number>;
}

/** A peer started by the harness. */
export interface RunningPeer<Target> {
  /** What `measure` talks to: a URL, a Redis URL, a connection string, an object. */
  target: Target;
  /** Root pids whose process trees are charged with CPU (empty: no CPU column, e.g. direct). */
  pids: number[];
  stop(): Promise<void>;
}

export interface Peer<Target> {
  /** Row label: 'direct', 'haproxy', 'http-proxy-3', 'tiered'... */
  name: string;
  /** One line on what this peer is (config, version), printed under the table and kept in the JSON. */
  description?: string;
  /** When set, the peer is not run and its row shows this note (e.g. Tiered before its component lands). */
  pending?: string;
  /** Returns why this peer cannot run on this machine (missing binary + how to install), or undefined. */
  unavailable?(): string | undefined;
  start(ctx: BenchContext): Promise<RunningPeer<Target>>;
}

export interface ExtraColumn {
  key: string;
  label: string;
  /** Decimal digits in the table (default 2). */
  digits?: number;
  /** Across rounds: the median (default) or the largest value (a "worst round" column). */
  aggregate?: 'median' | 'max';
}

export type Figure = 'rate' | 'p50' | 'p99' | 'p999' | 'cpu';

export interface Scenario<Target> {
  /** Short id used in file names and `--scenario`: 'throughput', 'latency', 'slow-backend'. */
  name: string;
  /** One line for the table heading: what load, what model. */
  title: string;
  /** Operation name for the rate column: 'req' → 'req/s', 'job' → 'job/s', 'tx', 'op'. */
  unit: string;
  /** open: fixed arrival rate (latency is the figure); closed: saturation (rate is the figure); custom. */
  model: 'open' | 'closed' | 'custom';
  peers: Array<Peer<Target>>;
  /** Peer whose figures are divided by every other peer's (Tiered's row). */
  subject?: string;
  /** Peer every other row is compared to as peer/baseline (e.g. 'direct'). */
  baseline?: string;
  /** Which figures get a ratio column (default: rate for closed, p99 for open). Extra keys allowed. */
  compare?: Array<Figure | string>;
  extraColumns?: ExtraColumn[];
  /** Overrides of the run-wide durations and rounds for this scenario. */
  durationMs?: number;
  warmupMs?: number;
  rounds?: number;
  measure(target: Target, run: MeasureRun): Promise<Sample>;
}

/** A scenario whose target type has been forgotten (suites return a mix of them). */
export type AnyScenario = Scenario<any>;

export interface Suite<Env = void> {
  /** The name users type: `tiered bench gateway`. Must match the file name. */
  name: string;
  title: string;
  /** Binaries the suite needs in full (checked up front, reported with the apt package). */
  requires?: string[];
  setup?(ctx: BenchContext): Promise<Env>;
  scenarios(env: Env, ctx: BenchContext): AnyScenario[] | Promise<AnyScenario[]>;
  teardown?(env: Env, ctx: BenchContext): Promise<void>;
}

export type AnySuite = Suite<any>;

/** Identity helpers that keep the types of a suite / scenario / peer checked where they are written. */
export function defineSuite<Env>(suite: Suite<Env>): Suite<Env> {
  return suite;
}

export function defineScenario<Target>(scenario: Scenario<Target>): Scenario<Target> {
  return scenario;
}

export function definePeer<Target>(peer: Peer<Target>): Peer<Target> {
  return peer;
}

/** A row that is shown but not run yet: `pendingPeer('tiered', 'lands with issue 4')`. */
export function pendingPeer<Target = never>(name: string, note: string): Peer<Target> {
  return {
    name,
    pending: note,
    start() {
      throw new Error(`${name} is pending: ${note}`);
    },
  };
}
