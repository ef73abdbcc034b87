// Test helper: spawns `tiered worker …` as a real child process and waits until it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
}

export async function spawnWorker(args: string[], env: NodeJS.ProcessEnv = {}, readyTimeoutMs = 60_000): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'ops/cli.ts', 'worker', ...args], {
    cwd: root,
    env: { ...process.env, TIERED_LOG_LEVEL: process.env.TIERED_WORKER_LOG_LEVEL ?? 'warn', TIERED_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const deadline = Date.now() + readyTimeoutMs;
  while (!/worker \d+ ready/.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited before ready:\n${out}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`worker not ready in time:\n${out}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, pid: child.pid!, output: () => out, exited };
}
