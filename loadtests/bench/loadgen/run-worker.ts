// Runs a load generator binary (wrk, autocannon) in its own process and returns its output.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { logTail, startProcess, type OwnedProcess } from '../process.js';

export interface WorkerRun {
  name: string;
  logDir: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

async function waitForExit(proc: OwnedProcess, run: WorkerRun): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => void proc.stop(500);
  run.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await Promise.race([
      proc.exited,
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), run.timeoutMs);
      }),
    ]);
    if (code === 'timeout') {
      await proc.stop(500);
      throw new Error(`${run.name} did not finish within ${run.timeoutMs} ms`);
    }
    if (code !== 0) throw new Error(`${run.name} failed (exit ${code}):\n${logTail(proc)}`);
  } finally {
    clearTimeout(timer);
    run.signal?.removeEventListener('abort', onAbort);
    await proc.stop(500);
  }
}

/** Runs a binary to completion and returns its log (stdout + stderr). */
export async function runBinary(binary: string, args: string[], run: WorkerRun): Promise<string> {
  const dir = mkdtempSync(join(run.logDir, 'loadgen-'));
  try {
    const proc = startProcess(run.name, binary, args, { logDir: dir });
    await waitForExit(proc, run);
    return readFileSync(proc.logFile, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
