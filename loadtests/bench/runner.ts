// Runs one suite: setup, then per scenario: start its peers, warm each up, measure them in
// interleaved, counterbalanced rounds (A B C, C B A, A B C...) so drift and position effects hit
// every peer alike, charge CPU from /proc, stop the peers; then teardown, the table, the files.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEBIAN_PACKAGE, findBinary } from '../../ops/stack/binaries.js';
import { treeCpuSeconds } from './cpu.js';
import { machineInfo, toolVersions } from './machine.js';
import { Progress } from './progress.js';
import { fileStamp, writeResults, type WrittenFiles } from './report/write.js';
import { renderText } from './report/table.js';
import { computeRatios, defaultCompare, summarisePeer, type PeerResult, type ScenarioResult, type SuiteResult } from './results.js';
import type { AnyScenario, AnySuite, BenchContext, BenchOptions, Peer, RunningPeer, Sample } from './suite.js';
import { stopAllOwned } from './process.js';

export interface RunSuiteOptions extends BenchOptions {
  /** Where the JSON, Markdown and SVG go (loadtests/results by default). */
  outDir: string;
  /** Only these scenarios (by name). */
  scenarios?: string[];
  progress?: Progress;
  signal?: AbortSignal;
  /** Where tables and messages go (stdout by default). */
  print?: (text: string) => void;
}

export interface SuiteRun {
  result: SuiteResult;
  files: WrittenFiles;
  text: string;
}

interface PeerSlot {
  peer: Peer<unknown>;
  running?: RunningPeer<unknown>;
  result?: PeerResult;
  samples: Sample[];
  cpu: Array<number | undefined>;
  failures: string[];
}

/** A measurement that takes far longer than planned is abandoned (a hung peer must not hang the run). */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

export function scenarioPlan(scenario: AnyScenario, options: BenchOptions) {
  const durationMs = scenario.durationMs ?? options.durationMs;
  const warmupMs = scenario.warmupMs ?? options.warmupMs;
  const rounds = options.quick ? 1 : (scenario.rounds ?? options.rounds);
  const runnable = scenario.peers.filter((p) => !p.pending && !p.unavailable?.());
  return { durationMs, warmupMs, rounds, runnable, plannedMs: runnable.length * (warmupMs + rounds * durationMs) };
}

/** Mistakes in a scenario's declaration, caught before anything starts. */
export function scenarioProblems(scenario: AnyScenario): string[] {
  const problems: string[] = [];
  const names = scenario.peers.map((p) => p.name);
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  if (!/^[\w.-]+$/.test(scenario.name)) problems.push(`scenario name '${scenario.name}' must be a word (letters, digits, - _ .)`);
  if (scenario.peers.length === 0) problems.push('no peers');
  if (dupes.length) problems.push(`duplicate peer names: ${[...new Set(dupes)].join(', ')}`);
  if (scenario.subject && !names.includes(scenario.subject)) problems.push(`subject '${scenario.subject}' is not one of the peers`);
  if (scenario.baseline && !names.includes(scenario.baseline)) problems.push(`baseline '${scenario.baseline}' is not one of the peers`);
  const extraKeys = new Set((scenario.extraColumns ?? []).map((c) => c.key));
  for (const f of scenario.compare ?? []) {
    if (!['rate', 'p50', 'p99', 'p999', 'cpu'].includes(f) && !extraKeys.has(f)) problems.push(`compare '${f}' is neither a figure nor an extra column`);
  }
  return problems.map((p) => `${scenario.name}: ${p}`);
}

/** Peer order for round r (1-based): forward on odd rounds, reversed on even ones. */
export function roundOrder<T>(items: T[], round: number): T[] {
  return round % 2 === 1 ? items : [...items].reverse();
}

async function runScenario(suiteName: string, scenario: AnyScenario, ctx: BenchContext, progress: Progress): Promise<ScenarioResult> {
  const plan = scenarioPlan(scenario, ctx.options);
  const slots: PeerSlot[] = scenario.peers.map((peer) => ({ peer, samples: [], cpu: [], failures: [] }));
  for (const slot of slots) {
    const reason = slot.peer.pending ? undefined : slot.peer.unavailable?.();
    if (slot.peer.pending) slot.result = { peer: slot.peer.name, description: slot.peer.description, status: 'pending', note: slot.peer.pending };
    else if (reason) slot.result = { peer: slot.peer.name, description: slot.peer.description, status: 'unavailable', note: reason };
  }
  const active = () => slots.filter((s) => !s.result && s.running);
  const label = (slot: PeerSlot, what: string) => `${suiteName}/${scenario.name} ${slot.peer.name} ${what}`;
  const limit = (ms: number) => ms * 3 + 60_000;
  try {
    // Peers start together (they are idle until measured); one that fails is reported, not fatal.
    await Promise.all(
      slots.filter((slot) => !slot.result).map(async (slot) => {
        try {
          slot.running = await slot.peer.start(ctx);
        } catch (error) {
          slot.result = { peer: slot.peer.name, description: slot.peer.description, status: 'failed', note: `start: ${message(error)}` };
          ctx.log(`${slot.peer.name} did not start: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    for (const slot of active()) {
      progress.step(label(slot, 'warm-up'), plan.warmupMs);
      if (plan.warmupMs <= 0) continue;
      try {
        const run = { durationMs: plan.warmupMs, warmup: true, round: 0, peer: slot.peer.name, ctx };
        await withTimeout(scenario.measure(slot.running?.target, run), limit(plan.warmupMs), 'warm-up');
      } catch (error) {
        slot.failures.push(`warm-up: ${message(error)}`);
      }
    }
    for (let round = 1; round <= plan.rounds && !ctx.signal.aborted; round++) {
      for (const slot of roundOrder(active(), round)) {
        if (ctx.signal.aborted) break;
        progress.step(label(slot, `round ${round}/${plan.rounds}`), plan.durationMs);
        const pids = slot.running?.pids ?? [];
        try {
          const before = treeCpuSeconds(pids);
          const run = { durationMs: plan.durationMs, warmup: false, round, peer: slot.peer.name, ctx };
          const sample = await withTimeout(scenario.measure(slot.running?.target, run), limit(plan.durationMs), `round ${round}`);
          const after = treeCpuSeconds(pids);
          slot.samples.push(sample);
          slot.cpu.push(sample.cpuSeconds ?? (before !== undefined && after !== undefined ? after - before : undefined));
        } catch (error) {
          slot.failures.push(`round ${round}: ${message(error)}`);
        }
      }
    }
  } finally {
    await Promise.all(slots.map((s) => s.running?.stop().catch((error) => ctx.log(`stopping ${s.peer.name}: ${message(error)}`))));
  }
  const peers = slots.map((slot): PeerResult => {
    if (slot.result) return slot.result;
    if (slot.samples.length === 0) {
      if (ctx.signal.aborted) return { peer: slot.peer.name, description: slot.peer.description, status: 'interrupted', note: 'the run was interrupted before this peer was measured' };
      return { peer: slot.peer.name, description: slot.peer.description, status: 'failed', note: slot.failures.join('; ') || 'no sample' };
    }
    const row = summarisePeer(slot.peer.name, slot.samples, slot.cpu, slot.peer.description, scenario.extraColumns);
    if (slot.failures.length) row.note = slot.failures.join('; ');
    return row;
  });
  const compare = scenario.compare ?? defaultCompare(scenario.model);
  return {
    name: scenario.name,
    title: scenario.title,
    unit: scenario.unit,
    model: scenario.model,
    subject: scenario.subject,
    baseline: scenario.baseline,
    compare,
    extraColumns: scenario.extraColumns ?? [],
    durationMs: plan.durationMs,
    warmupMs: plan.warmupMs,
    rounds: plan.rounds,
    peers,
    ...computeRatios(peers, compare, scenario.subject, scenario.baseline),
  };
}

/** Binaries a suite requires that are missing here, each with its install hint. */
export function missingRequirements(suite: AnySuite): string[] {
  return (suite.requires ?? [])
    .filter((binary) => !findBinary(binary))
    .map((binary) => `${binary} (apt-get install -y ${DEBIAN_PACKAGE[binary] ?? binary}, or bash ops/install-deps --bench)`);
}

export async function runSuite(suite: AnySuite, options: RunSuiteOptions): Promise<SuiteRun> {
  const missing = missingRequirements(suite);
  if (missing.length) throw new Error(`suite ${suite.name} needs ${missing.join(', ')}`);
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress(0);
  mkdirSync(options.outDir, { recursive: true });
  const tmpDir = mkdtempSync(join(tmpdir(), `tiered-bench-${suite.name}-`));
  const signal = options.signal ?? new AbortController().signal;
  const startedAt = new Date().toISOString();
  const ctx: BenchContext = { quick: options.quick, workers: options.workers, tmpDir, outDir: options.outDir, stamp: fileStamp(startedAt), options, signal, log: (m) => progress.log(m) };
  const machine = machineInfo();
  const scenarios: ScenarioResult[] = [];
  let env: unknown;
  let setUp = false;
  try {
    progress.step(`${suite.name} setup`, 0);
    env = suite.setup ? await suite.setup(ctx) : undefined;
    setUp = true;
    const all = await suite.scenarios(env, ctx);
    const chosen = options.scenarios?.length ? all.filter((s) => options.scenarios?.includes(s.name)) : all;
    const problems = all.flatMap(scenarioProblems);
    const scenarioNames = all.map((s) => s.name);
    if (new Set(scenarioNames).size !== scenarioNames.length) problems.push(`duplicate scenario names in ${scenarioNames.join(', ')}`);
    if (problems.length) throw new Error(`suite ${suite.name} is declared wrong:\n  ${problems.join('\n  ')}`);
    for (const s of chosen) progress.addPlanned(scenarioPlan(s, options).plannedMs);
    for (const scenario of chosen) {
      if (signal.aborted) break;
      scenarios.push(await runScenario(suite.name, scenario, ctx, progress));
    }
  } finally {
    if (setUp && suite.teardown) await suite.teardown(env, ctx).catch((error) => ctx.log(`teardown: ${message(error)}`));
    await stopAllOwned();
    rmSync(tmpDir, { recursive: true, force: true });
  }
  const result: SuiteResult = {
    suite: suite.name,
    title: suite.title,
    quick: options.quick,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    versions: toolVersions(),
    options: {
      quick: options.quick,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      rounds: options.rounds,
      rate: options.rate,
      connections: options.connections,
      workers: options.workers,
      scenarios: options.scenarios?.join(',') ?? 'all',
    },
    scenarios,
  };
  const files = writeResults(result, options.outDir);
  const text = [...scenarios.map((s) => renderText(suite.name, s)), `results: ${files.json}`, `plot:    ${files.svg}`].join('\n\n');
  progress.finish();
  print(text);
  return { result, files, text };
}
