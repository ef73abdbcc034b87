// Open-model load (fixed arrival rate, coordinated omission corrected) in a separate process.
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { adoptChild, scriptPath, type OwnedProcess } from '../process.js';
import type { Sample } from '../suite.js';
import { decodeHistogram } from '../stats.js';
import type { LoadResult, OpenLoadSpec } from './types.js';

const WORKER = new URL('./open-worker.ts', import.meta.url);

export interface OpenLoadOptions extends Partial<Omit<OpenLoadSpec, 'url' | 'rate' | 'durationMs'>> {
  url: string;
  rate: number;
  durationMs: number;
  signal?: AbortSignal;
}

type Reply = { ready: true } | { id: number; result?: LoadResult; error?: string };

interface Worker {
  child: ChildProcess;
  owned: OwnedProcess;
  ready: Promise<void>;
  waiting: Map<number, { resolve(r: LoadResult): void; reject(e: Error): void }>;
}

let worker: Worker | undefined;
let nextId = 1;

/** The load generator process, forked on first use and kept warm; stopped with the run's other processes. */
function ensureWorker(): Worker {
  if (worker && worker.owned.isRunning()) return worker;
  const child = fork(scriptPath(WORKER), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const waiting = new Map<number, { resolve(r: LoadResult): void; reject(e: Error): void }>();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.on('message', (reply: Reply) => {
    if ('ready' in reply) return markReady();
    const job = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.result) job?.resolve(reply.result);
    else job?.reject(new Error(reply.error ?? 'load generator failed'));
  });
  // Sending on schedule matters more than anything else the generator does: raise its priority
  // when allowed (root, CAP_SYS_NICE), so a busy machine delays the peer, not the clock.
  try {
    if (child.pid) setPriority(child.pid, -10);
  } catch {}
  const owned = adoptChild('open-loadgen', child);
  const current: Worker = { child, owned, ready, waiting };
  void owned.exited.then((code) => {
    for (const job of waiting.values()) job.reject(new Error(`load generator exited (${code})${stderr ? `: ${stderr.trim()}` : ''}`));
    waiting.clear();
    markReady();
    if (worker === current) worker = undefined;
  });
  worker = current;
  return current;
}

export async function openLoad(options: OpenLoadOptions): Promise<LoadResult> {
  const spec: OpenLoadSpec = {
    url: options.url,
    rate: options.rate,
    durationMs: options.durationMs,
    connections: options.connections ?? 64,
    timeoutMs: options.timeoutMs ?? 10_000,
    headers: options.headers,
  };
  const w = ensureWorker();
  await w.ready;
  if (!w.owned.isRunning()) throw new Error('load generator exited at start');
  const id = nextId++;
  const onAbort = () => void w.owned.stop(500);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // A generator that does not answer in time is killed, so it cannot keep loading the next peer.
  const watchdog = setTimeout(onAbort, spec.durationMs + 2 * spec.timeoutMs + 30_000);
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      w.waiting.set(id, { resolve, reject });
      w.child.send({ id, spec });
    });
  } finally {
    clearTimeout(watchdog);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Why a load generator result cannot be taken at face value, or undefined when it can. */
export function loadWarning(result: LoadResult, plannedMs?: number): string | undefined {
  const warnings: string[] = [];
  if (result.sendLagMs && result.sendLagMs.p99 > 5) warnings.push(`generator sent late (p99 ${result.sendLagMs.p99.toFixed(1)} ms behind schedule)`);
  if (result.offeredRate && result.elapsedMs > 0) {
    const achieved = (result.operations * 1000) / result.elapsedMs;
    if (achieved < 0.95 * result.offeredRate) warnings.push(`achieved ${Math.round(achieved)} of ${result.offeredRate} req/s offered`);
  }
  if (plannedMs && result.loadgenCpuSeconds && result.loadgenCpuSeconds > 0.8 * (plannedMs / 1000)) warnings.push('generator near 100 % CPU');
  return warnings.length ? warnings.join('; ') : undefined;
}

/** A load generator result as a harness sample. */
export function toSample(result: LoadResult, plannedMs?: number): Sample {
  const notes: Record<string, string | number> = { tool: result.tool };
  if (result.offeredRate !== undefined) notes.offeredRate = result.offeredRate;
  if (result.sendLagMs) notes.sendLagP99Ms = Number(result.sendLagMs.p99.toFixed(3));
  // Latency from the actual send (without the generator's own lag), beside the corrected figures.
  if (result.serviceHistogram) notes.serviceP99Ms = Number((decodeHistogram(result.serviceHistogram).getValueAtPercentile(99) / 1000).toFixed(3));
  if (result.loadgenCpuSeconds !== undefined) notes.loadgenCpuSeconds = Number(result.loadgenCpuSeconds.toFixed(3));
  for (const [kind, n] of Object.entries(result.errorKinds ?? {})) notes[`error ${kind}`] = n;
  const warning = loadWarning(result, plannedMs);
  if (warning) notes.warning = warning;
  return {
    operations: result.operations,
    elapsedMs: result.elapsedMs,
    errors: result.errors,
    histogram: result.histogram,
    latency: result.latency,
    notes,
  };
}
