// The datastores a suite needs (Redis, memcached, a PostgreSQL primary and replica), started
// through Tiered's public API (`stackUp` of tiered/ops, what `tiered stack up --ephemeral` runs):
// free ports, a temporary folder, PostgreSQL with fsync off. Stopped and deleted by `stop()`,
// killed if the harness exits first (a second Ctrl-C). The servers run detached, so a watchdog
// process also kills them if the harness dies without exiting (SIGKILL: under `npm run bench`,
// tsx's signal relay does that to a busy harness on Ctrl-C).
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { stackDown, stackUp, summarize, type StackSummary } from '../../ops/index.js';

export interface BenchStackOptions {
  redis?: boolean;
  memcached?: number;
  postgres?: boolean;
  replica?: boolean;
}

/** `redis` and `postgres` are there when asked for in the options. */
export interface BenchStack extends StackSummary {
  redis: NonNullable<StackSummary['redis']>;
  postgres: NonNullable<StackSummary['postgres']>;
  stop(): Promise<void>;
}

const live = new Map<string, { summary: StackSummary; watchdog: ChildProcess }>();
let exitHook = false;

/** Each server's pid and the signal that ends it at once (SIGQUIT: PostgreSQL's immediate shutdown). */
function kills(stack: StackSummary): [number, NodeJS.Signals][] {
  const all: [number | undefined, NodeJS.Signals][] = [
    ...[stack.redis, ...stack.memcached].map((s): [number | undefined, NodeJS.Signals] => [s?.pid, 'SIGKILL']),
    [stack.postgres?.replica?.pid, 'SIGQUIT'],
    [stack.postgres?.primary.pid, 'SIGQUIT'],
  ];
  return all.filter((k): k is [number, NodeJS.Signals] => k[0] !== undefined);
}

const WATCHDOG = `
const [harness, dir, kills] = [Number(process.argv[1]), process.argv[2], JSON.parse(process.argv[3])];
setInterval(() => {
  try { process.kill(harness, 0); return; } catch {}
  for (const [pid, signal] of kills) { try { process.kill(pid, signal); } catch {} }
  require('node:fs').rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}, 500);`;

function startWatchdog(stack: StackSummary): ChildProcess {
  const child = spawn(process.execPath, ['-e', WATCHDOG, String(process.pid), stack.dir, JSON.stringify(kills(stack))], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

function killLiveSync(): void {
  for (const { summary, watchdog } of live.values()) {
    watchdog.kill();
    for (const [pid, signal] of kills(summary)) {
      try {
        process.kill(pid, signal);
      } catch {}
    }
    rmSync(summary.dir, { recursive: true, force: true });
  }
  live.clear();
}

export async function startStack(options: BenchStackOptions): Promise<BenchStack> {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', killLiveSync);
  }
  const state = await stackUp({
    ephemeral: true,
    redis: options.redis === true,
    memcached: options.memcached ?? 0,
    postgres: options.postgres === true ? { replica: options.replica === true } : false,
  });
  const summary = summarize(state);
  const watchdog = startWatchdog(summary);
  live.set(state.dir, { summary, watchdog });
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    // Still killed on exit while it stops (a second Ctrl-C during the teardown).
    await stackDown(state.dir, { purge: true });
    live.delete(state.dir);
    watchdog.kill();
  };
  return {
    ...(summary as Omit<BenchStack, 'stop'>),
    stop: () => (stopping ??= stop()),
  };
}
