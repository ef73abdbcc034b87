// The child processes `tiered up` runs (the gateway, the outbox relay, and the platform pieces as
// they arrive), each supervised: its output goes to the terminal line by line, prefixed with its
// name (JSON log lines rendered by pino-pretty), a child that exits on its own is started again
// (at once, with back-off when it keeps dying: sdk/restart-delay.ts), and stop() ends it with
// SIGTERM, then SIGKILL after a grace, so no process is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { prettyFactory } from 'pino-pretty';
import { nextQuickDeaths, restartDelay } from '../sdk/restart-delay.js';
import { packageRoot } from './package-root.js';

export interface ChildSpec {
  /** Shown before each of its lines. */
  name: string;
  /** `tiered` subcommand and arguments, e.g. ['gateway', '-c', file]. */
  args: string[];
  env?: Record<string, string>;
  /** Called with each output line (raw); return true once the child is ready. */
  ready?: (line: string) => boolean;
}

export interface SupervisedChild {
  readonly name: string;
  pid(): number | undefined;
  readonly restarts: number;
  /** Resolves when `ready` first said so (rejects if the first start exits before). */
  readonly started: Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

/** Renders one output line of a child for a terminal: `name | line`, JSON log lines made readable. */
export function childLine(name: string, width: number, line: string, pretty: (line: string) => string): string {
  const rendered = line.startsWith('{') ? safePretty(pretty, line) : line;
  return `${name.padEnd(width)} | ${rendered}`;
}

function safePretty(pretty: (line: string) => string, line: string): string {
  try {
    return pretty(line).replace(/\n+$/, '');
  } catch {
    return line;
  }
}

// Children still running when this process exits (it was killed half-way through a stop, or
// failed): they are in their own process groups, so they are killed here, not left behind.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of live) {
    try {
      proc.kill('SIGKILL');
    } catch {}
  }
});

/** Starts `tiered <args>` as a supervised child of this process. */
export function superviseChild(spec: ChildSpec, out: (line: string) => void, width = spec.name.length): SupervisedChild {
  const pretty = prettyFactory({ colorize: process.stdout.isTTY === true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,component' }) as (line: string) => string;
  let child: ChildProcess | undefined;
  let stopping = false;
  let quickDeaths = 0;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let resolveStarted!: () => void;
  let rejectStarted!: (error: Error) => void;
  let isStarted = false;
  const started = new Promise<void>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  started.catch(() => {});

  const start = () => {
    timer = undefined;
    const startedAt = Date.now();
    const proc = spawn(process.execPath, [join(packageRoot(), 'bin', 'tiered.js'), ...spec.args], {
      env: { ...process.env, TIERED_LOG_FORMAT: 'json', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C on the terminal reaches the supervisor only, which stops
      // the children in order (a child signalled directly would be restarted as if it had died).
      detached: true,
    });
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    child = proc;
    const onLine = (line: string) => {
      if (line.length === 0) return;
      out(childLine(spec.name, width, line, pretty));
      if (!isStarted && spec.ready?.(line)) {
        isStarted = true;
        resolveStarted();
      }
    };
    for (const stream of [proc.stdout!, proc.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
      stream.on('end', () => onLine(partial));
    }
    if (!spec.ready) {
      isStarted = true;
      resolveStarted();
    }
    proc.on('exit', (code, signal) => {
      if (child === proc) child = undefined;
      if (stopping) return;
      if (!isStarted) {
        stopping = true;
        rejectStarted(new Error(`${spec.name} exited before it was ready (${signal ?? `exit ${code}`})`));
        return;
      }
      quickDeaths = nextQuickDeaths(quickDeaths, Date.now() - startedAt);
      restarts++;
      const delay = restartDelay(quickDeaths);
      out(`${spec.name.padEnd(width)} | exited (${signal ?? `code ${code}`}); ${delay ? `starting again in ${delay} ms` : 'starting again'}`);
      timer = setTimeout(start, delay);
    });
  };
  start();

  return {
    name: spec.name,
    pid: () => child?.pid,
    get restarts() {
      return restarts;
    },
    started,
    async stop(graceMs = 15_000) {
      stopping = true;
      clearTimeout(timer);
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const kill = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(kill);
    },
  };
}
