// Test support (not a test): `tiered gateway` as users run it, in a child process, so a test can
// tell a served request from a process that died. Ports are read off the JSON log lines; the log
// is kept so a test can look for worker deaths and stacks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface GatewayProcess {
  child: ChildProcess;
  /** Bound port per frontend name, and `admin`. */
  ports: Record<string, number>;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** The exit code (null after a signal), once it exits. */
  exited: Promise<number | null>;
  /** Whether it still runs. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves on exit. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `tiered gateway …`; resolves when every expected frontend (and admin) logged its port. */
export async function startGatewayCli(args: string[], expect: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, 'ops/cli.ts', 'gateway', ...args], {
    cwd: root, env: { ...process.env, TIERED_LOG_LEVEL: 'info', TIERED_LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let alive = true;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    alive = false;
    running.delete(child);
    resolve(code);
  }));
  const ports: Record<string, number> = {};
  let buffered = '';
  let partial = '';
  child.stderr!.on('data', (c) => (buffered += String(c)));
  child.stdout!.on('data', (chunk) => {
    buffered += String(chunk);
    const lines = (partial + String(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { frontend?: string; port?: number; msg?: string };
        if (entry.port && entry.msg?.includes('listening')) ports[entry.frontend ?? 'admin'] = entry.port;
      } catch {}
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${buffered.slice(-2000)}`)), 90_000);
    const poll = setInterval(() => {
      if (expect.every((name) => ports[name])) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 20);
    void exited.then(() => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`gateway exited: ${buffered.slice(-2000)}`));
    });
  });
  return {
    child, ports, exited,
    output: () => buffered,
    alive: () => alive,
    async stop(graceMs = 5000) {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A temporary folder for config files, removed by `remove()`. */
export function configFolder(): { write(name: string, yaml: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tiered-gw-'));
  return {
    write(name, yaml) {
      const file = join(dir, name);
      writeFileSync(file, yaml);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
