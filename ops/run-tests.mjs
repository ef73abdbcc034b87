#!/usr/bin/env node
// Runs the test suite with Node's own test runner (through tsx for TypeScript).
//   node ops/run-tests.mjs            every *.test.ts (unit + integration)
//   node ops/run-tests.mjs --unit     only unit tests (files not named *.int.test.ts)
//   node ops/run-tests.mjs --int      only integration tests (*.int.test.ts)
//   node ops/run-tests.mjs --fuzz     only fuzz targets (*.fuzz.test.ts); npm run fuzz sets TIERED_FUZZ=long
//   node ops/run-tests.mjs gateway    only tests under the given folders
// Integration tests start their own real servers (ops/stack/testing.ts), so they
// need redis-server, memcached and postgresql installed (ops/install-deps).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const intOnly = args.includes('--int');
const fuzzOnly = args.includes('--fuzz');
const folders = args.filter((a) => !a.startsWith('--'));
const roots = folders.length ? folders : ['sdk', 'gateway', 'cache', 'queue', 'platform', 'ops', 'loadtests'];
const skip = new Set(['node_modules', 'dist', '.tiered', 'results', '.git']);

function walk(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = roots.flatMap((r) => walk(join(root, r), [])).filter((f) => {
  const isInt = f.endsWith('.int.test.ts');
  if (fuzzOnly) return f.endsWith('.fuzz.test.ts');
  return unitOnly ? !isInt && !f.endsWith('.fuzz.test.ts') : intOnly ? isInt : true;
}).sort();

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const concurrency = process.env.TIERED_TEST_CONCURRENCY ?? '3';
const child = spawn(process.execPath, [
  '--import', 'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  // The long fuzz form runs each target for TIERED_FUZZ_SECONDS: no per-test limit there.
  `--test-timeout=${fuzzOnly && process.env.TIERED_FUZZ === 'long' ? 86400000 : 240000}`,
  '--test-reporter=spec',
  ...files,
], { cwd: root, stdio: 'inherit', env: { ...process.env, TIERED_LOG_LEVEL: process.env.TIERED_LOG_LEVEL ?? 'silent' } });
// A watchdog: a test file that never exits must fail the run, not hang CI.
const limitMs = Number(process.env.TIERED_TEST_LIMIT_MS ?? 20 * 60_000);
const watchdog = setTimeout(() => {
  console.error(`run-tests: still running after ${limitMs / 60_000} min: stopping the test run`);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
}, limitMs);
watchdog.unref();
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
