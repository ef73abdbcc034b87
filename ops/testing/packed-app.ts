// Test helper: Tiered as a user gets it. Packs a copy of this checkout (`npm pack`, so `prepack`
// builds dist/ there and never in the checkout other tests run from), then installs the tarball
// into a fresh app in a temporary folder with no node_modules above it: its dependencies come
// from the registry (npm's cache first). Every command failure names the command, its folder and
// the end of its output.
import { spawn } from 'node:child_process';
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
  /** The app folder: package.json, node_modules/tiered, typescript, @types/node, zod. */
  dir: string;
  tarball: string;
  /** Paths inside the tarball (npm pack --json). */
  files: string[];
  /** The packed package.json. */
  manifest: { version: string; exports: Record<string, unknown>; dependencies: Record<string, string> };
  /** Environment for commands in the app: this Node first on PATH, no npm_* variables of the outer run. */
  env: NodeJS.ProcessEnv;
  /** Runs a command in the app folder; rejects with its output unless it exits with `expect` (0). */
  run(command: string, args: string[], options?: { expect?: number | null; timeoutMs?: number; input?: string }): Promise<RunResult>;
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
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'tiered-package-check', private: true, type: 'module' }, null, 2)}\n`);
    const dev = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    await runIn(dir, 'npm', [
      'install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
      tarball, `typescript@${dev.devDependencies.typescript}`, `@types/node@${dev.devDependencies['@types/node']}`, `zod@${manifest.dependencies.zod}`,
    ], env, { timeoutMs: 400_000 });

    return {
      dir, tarball, env, manifest,
      files: info.files.map((f) => f.path),
      run: (command, args, options) => runIn(dir, command, args, env, options),
      remove: () => rmSync(work, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}
