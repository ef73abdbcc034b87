// Test helper: a throw-away stack of real servers (free ports, temporary folder) for one
// test file. Everything is stopped by `stop()`, and killed if the process exits first.
import { rmSync } from 'node:fs';
import { stackDown, stackUp, startOne, stopOne, summarize, type StackSummary } from './stack.js';
import { promoteReplica, type PostgresServerState } from './postgres.js';
import type { StackState } from './state.js';

export type ServerName = 'redis' | 'primary' | 'replica' | `memcached:${number}`;

export interface TestStackOptions {
  redis?: boolean;
  memcached?: number;
  postgres?: boolean;
  replica?: boolean;
}

export interface TestStack extends StackSummary {
  redis: NonNullable<StackSummary['redis']>;
  postgres: NonNullable<StackSummary['postgres']>;
  /** Stops one server (SIGTERM / fast shutdown, or the given signal). */
  kill(name: ServerName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped server again: same port, same data. */
  restart(name: ServerName): Promise<void>;
  /** Promotes the replica to primary (pg_ctl promote). */
  promote(): Promise<void>;
  stop(): Promise<void>;
}

const live = new Set<StackState>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const state of live) {
      for (const server of state.servers) {
        try {
          if (server.pid) process.kill(server.pid, server.kind === 'postgres' ? 'SIGQUIT' : 'SIGKILL');
        } catch {}
      }
      try {
        rmSync(state.dir, { recursive: true, force: true });
      } catch {}
    }
  });
}

export async function startTestStack(options: TestStackOptions = { redis: true }): Promise<TestStack> {
  installExitHook();
  const state = await stackUp({
    ephemeral: true,
    redis: options.redis === true,
    memcached: options.memcached ?? 0,
    postgres: options.postgres === true ? { replica: options.replica === true } : false,
  });
  live.add(state);
  const refresh = () => Object.assign(stack, summarize(state));
  const stack = {
    ...summarize(state),
    async kill(name: ServerName, signal?: NodeJS.Signals) {
      await stopOne(state, name, signal);
    },
    async restart(name: ServerName) {
      await startOne(state, name);
      refresh();
    },
    async promote() {
      const replica = state.servers.find((s) => s.name === 'replica') as PostgresServerState | undefined;
      if (!replica) throw new Error('this test stack has no replica');
      await promoteReplica(replica);
    },
    async stop() {
      if (!live.has(state)) return;
      live.delete(state);
      await stackDown(state.dir, { purge: true });
    },
  } as TestStack;
  return stack;
}
