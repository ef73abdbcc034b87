// The cache suite's stampede run: N child processes (stampede-child.ts), owned by the harness
// (stopped with the others on Ctrl-C), released together once all are set up; their origin
// calls are summed.
import { spawn } from 'node:child_process';
import { adoptChild, scriptPath } from '../../process.js';

const CHILD = scriptPath(new URL('./stampede-child.ts', import.meta.url));

export interface StampedeConfig {
  library: 'tiered' | 'bentocache';
  key: string;
  readers: number;
  loadMs: number;
  redisUrl: string;
}

export interface StampedeRun {
  /** Origin (loader) calls summed over the processes. */
  calls: number;
  perChild: number[];
  /** The slowest process's time from "go" to its last read. */
  ms: number;
}

export async function runStampede(processes: number, config: StampedeConfig): Promise<StampedeRun> {
  let readyCount = 0;
  let releaseAll: () => void = () => {};
  const allReady = new Promise<void>((resolve) => (releaseAll = resolve));
  const procs = Array.from({ length: processes }, (_, i) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TIERED_LOG_LEVEL: 'silent' },
    });
    adoptChild(`stampede-${i}`, child);
    return child;
  });
  const results = Promise.all(procs.map((proc) => new Promise<{ calls: number; ms: number }>((resolve, reject) => {
    let out = '';
    let err = '';
    let ready = false;
    proc.stdout!.on('data', (d) => {
      out += d;
      if (!ready && out.includes('ready\n')) {
        ready = true;
        if (++readyCount === processes) releaseAll();
      }
    });
    proc.stderr!.on('data', (d) => (err += d));
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(line));
      } catch (error) {
        releaseAll();
        reject(new Error(`stampede child failed (${(error as Error).message}): ${err.slice(-2000)}`));
      }
    });
  })));
  await allReady;
  for (const proc of procs) proc.stdin!.end('go\n');
  const done = await results;
  return { calls: done.reduce((a, r) => a + r.calls, 0), perChild: done.map((r) => r.calls), ms: Math.max(...done.map((r) => r.ms)) };
}
