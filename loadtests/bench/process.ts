// Child processes the harness owns (backends, proxies, load generators): started attached,
// output to a log file in the run's temp folder, stopped by pid (SIGTERM, then SIGKILL), and all
// stopped if the harness is interrupted. Nothing outlives a run.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { isListening } from '../../ops/stack/net.js';

export interface OwnedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  isRunning(): boolean;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<OwnedProcess>();

export interface StartOptions {
  /** Folder for the log file. */
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function startProcess(name: string, command: string, args: string[], options: StartOptions): OwnedProcess {
  const logFile = join(options.logDir, `${name.replace(/[^\w.-]+/g, '_')}.log`);
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: options.env ?? process.env, cwd: options.cwd });
    return adoptChild(name, child, logFile);
  } finally {
    closeSync(fd);
  }
}

/** Takes ownership of a child started elsewhere (fork with IPC): stopped with the others. */
export function adoptChild(name: string, child: ChildProcess, logFile = ''): OwnedProcess {
  let running = child.exitCode === null && child.signalCode === null;
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      running = false;
      live.delete(owned);
      resolve(code ?? signal ?? 'unknown');
    });
    child.on('error', () => {
      running = false;
      live.delete(owned);
      resolve('spawn-error');
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const owned: OwnedProcess = {
    name,
    pid: child.pid,
    logFile,
    exited,
    isRunning: () => running,
    async stop(graceMs = 3000) {
      live.delete(owned);
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(owned);
  return owned;
}

/** A script of this repository: the .ts source, or the compiled .js beside it in dist/. */
export function scriptPath(script: string | URL): string {
  const path = script instanceof URL ? fileURLToPath(script) : script;
  if (path.endsWith('.ts') && !existsSync(path)) {
    const compiled = path.replace(/\.ts$/, '.js');
    if (existsSync(compiled)) return compiled;
  }
  return path;
}

/** Runs a TypeScript file of this repository in a fresh Node process (through tsx). */
export function startNodeScript(name: string, script: string | URL, args: string[], options: StartOptions): OwnedProcess {
  return startProcess(name, process.execPath, ['--import', 'tsx', scriptPath(script), ...args], options);
}

/**
 * `tiered <args>`: Tiered's CLI as it runs from a clone (ops/cli.ts through tsx, as `npm run tiered`
 * does). Suites start Tiered's servers this way, never by importing their internals.
 */
export function startTiered(name: string, args: string[], options: StartOptions): OwnedProcess {
  return startNodeScript(name, new URL('../../ops/cli.ts', import.meta.url), args, options);
}

/** The last lines of a process's log, for error messages. */
export function logTail(proc: OwnedProcess, lines = 15): string {
  try {
    return readFileSync(proc.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Waits until the process accepts connections on every port; fails early (with its log) if it dies. */
export async function waitUntilListening(proc: OwnedProcess, ports: number[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.isRunning()) break;
    const up = await Promise.all(ports.map((port) => isListening(port)));
    if (up.every(Boolean)) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const died = !proc.isRunning();
  await proc.stop();
  const tail = logTail(proc);
  throw new Error(`${proc.name} did not start (${died ? 'it exited' : `not listening on ${ports.join(', ')} after ${timeoutMs} ms`})${tail ? `:\n${tail}` : ''}`);
}

/** Stops every process still owned (Ctrl-C, failures). */
export async function stopAllOwned(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(2000)));
}

/** Synchronous last resort on process exit. */
export function killAllOwnedSync(): void {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {}
  }
  live.clear();
}
