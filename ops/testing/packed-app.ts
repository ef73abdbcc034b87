// Test helper: Tiered as a user gets it. Packs a copy of this checkout (`npm pack`, so `prepack`
// builds dist/ there and never in the checkout other tests run from), then installs the tarball
// into a fresh app in a temporary folder with no node_modules above it: its dependencies come
// from the registry (npm's cache first). Every command failure names the command, its folder and
// the end of its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SKIP = new Set(['node_modules', '.git', 'dist', '.tiered', '.scratch', 'results']);

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PackedApp {
  /** The app folder: package.json, node_modules/tiered, typescript, @types/node, zod; use.ts and examples/ from this checkout. */
  dir: string;
  tarball: string;
  /** Paths inside the tarball (npm pack --json). */
  files: string[];
  /** The packed package.json. */
  manifest: { version: string; exports: Record<string, unknown>; dependencies: Record<string, string> };
  /** Environment for commands in the app: this Node first on PATH, no npm_* variables of the outer run. */
  env: NodeJS.ProcessEnv;
  /** Runs a command in the app folder; rejects with its output unless it exits with `expect` (0). */
  run(command: string, args: string[], options?: { expect?: number | null; timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** Starts a long-running command in `cwd` (relative to the app folder) with the app's environment and `env` on top. */
  start(cwd: string, command: string, args: string[], env?: NodeJS.ProcessEnv): Started;
  remove(): void;
}

/** The environment of a user's shell: Node 24 (this one) first on PATH, nothing of the repo. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'NODE_PATH' && key !== 'NODE_OPTIONS' && !key.startsWith('TIERED_')) env[key] = value;
  }
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules'));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  env.TIERED_LOG_LEVEL = 'warn';
  return env;
}

export interface Started {
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its exit code once it exited (null before, or when a signal ended it). */
  exitCode(): number | null;
  /** Resolves with the match once the output matches; rejects with the output if it exits or times out first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM (or `signal`), then SIGKILL after a grace; resolves once it exited. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a long-running command (an example app, `tiered gateway`, a worker). */
export function startIn(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => {
    running.delete(child);
    resolve();
  }));
  const name = `${command.split(/[\\/]/).pop()} ${args.join(' ')}`;
  return {
    output: () => text,
    exitCode: () => child.exitCode,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = text.match(pattern);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          const why = child.exitCode !== null || child.signalCode !== null ? `exited ${child.exitCode ?? child.signalCode}` : `no match after ${timeoutMs} ms`;
          throw new Error(`\`${name}\` in ${cwd}: ${why} waiting for ${pattern}; its output:\n${text.split('\n').slice(-40).join('\n')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function runIn(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv, options: { expect?: number | null; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const expect = options.expect === undefined ? 0 : options.expect;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr };
      if (expect === null || code === expect) return resolve(result);
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
      reject(new Error(`\`${command} ${args.join(' ')}\` in ${cwd} exited ${code ?? signal} (expected ${expect}):\n${tail}`));
    });
  });
}

/** Packs this checkout and installs the tarball into a fresh app (about 30 s with a warm npm cache). */
export async function packAndInstall(): Promise<PackedApp> {
  const work = mkdtempSync(join(tmpdir(), 'tiered-package-'));
  const env = cleanEnv();
  try {
    // A copy of the checkout, its node_modules linked (the build needs tsc and the dev types).
    const src = join(work, 'src');
    cpSync(root, src, { recursive: true, filter: (from) => !SKIP.has(relative(root, from).split(/[\\/]/).pop() ?? '') });
    symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'), 'dir');
    const buildEnv = { ...env, PATH: [join(src, 'node_modules', '.bin'), env.PATH].join(delimiter) };
    const packed = await runIn(src, 'npm', ['pack', '--json', '--pack-destination', work], buildEnv, { timeoutMs: 300_000 });
    const info = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[])[0];
    const tarball = join(work, info.filename);
    const manifest = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as PackedApp['manifest'];

    // The app: what a user has, Tiered plus their own TypeScript, Node types and zod.
    const dir = join(work, 'app');
    cpSync(join(root, 'ops', 'testdata', 'package-app'), dir, { recursive: true });
    cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true, filter: (from) => !from.endsWith('.md') });
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'tiered-package-check', private: true, type: 'module' }, null, 2)}\n`);
    const dev = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    await runIn(dir, 'npm', [
      'install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
      tarball, `typescript@${dev.devDependencies.typescript}`, `@types/node@${dev.devDependencies['@types/node']}`, `zod@${manifest.dependencies.zod}`,
    ], env, { timeoutMs: 400_000 });

    return {
      dir, tarball, env, manifest,
      files: info.files.map((f) => f.path),
      run: (command, args, options) => runIn(dir, command, args, { ...env, ...options?.env }, options),
      start: (cwd, command, args, extra = {}) => startIn(join(dir, cwd), command, args, { ...env, ...extra }),
      remove: () => rmSync(work, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}
