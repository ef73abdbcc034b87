// The datastores a suite needs (Redis, memcached, a PostgreSQL primary and replica), started
// through Tiered's public API (`stackUp` of tiered/ops, what `tiered stack up --ephemeral` runs):
// free ports, a temporary folder, PostgreSQL with fsync off. Stopped and deleted by `stop()`,
// killed if the harness exits first (a second Ctrl-C), like the processes of process.ts.
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

const live = new Map<string, StackSummary>();
let exitHook = false;

function killLiveSync(): void {
  for (const stack of live.values()) {
    // SIGQUIT is PostgreSQL's immediate shutdown; Redis and memcached keep nothing we need.
    const kills: [number | undefined, NodeJS.Signals][] = [
      ...[stack.redis, ...stack.memcached].map((s): [number | undefined, NodeJS.Signals] => [s?.pid, 'SIGKILL']),
      [stack.postgres?.replica?.pid, 'SIGQUIT'],
      [stack.postgres?.primary.pid, 'SIGQUIT'],
    ];
    for (const [pid, signal] of kills) {
      try {
        if (pid) process.kill(pid, signal);
      } catch {}
    }
    rmSync(stack.dir, { recursive: true, force: true });
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
  live.set(state.dir, summary);
  let stopping: Promise<void> | undefined;
  return {
    ...(summary as Omit<BenchStack, 'stop'>),
    // Still killed on exit while it stops (a second Ctrl-C during the teardown).
    stop: () => (stopping ??= stackDown(state.dir, { purge: true }).finally(() => live.delete(state.dir))),
  };
}
