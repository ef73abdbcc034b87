// `npm run loadtest -- <script> [options] [-- k6 args]`: runs loadtests/k6/<script>.js with k6
// when k6 is on PATH; otherwise says how to install it and offers the Node equivalent (same load
// shape and thresholds, run by the bench harness's open-model load generator), which `--node`
// runs directly.
//   npm run loadtest -- smoke --base-url http://127.0.0.1:8080
//   npm run loadtest -- load --rate 200 --duration 2m -- --out opentelemetry
//   npm run loadtest -- smoke --node
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findBinary } from '../../ops/stack/binaries.js';
import { equivalentPlan, K6_SCRIPTS, runEquivalent, type K6Script } from '../bench/k6-equivalent.js';
import { stopAllOwned } from '../bench/process.js';

const K6_DIR = fileURLToPath(new URL('./', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

const INSTALL_HELP = `k6 is not on PATH. Install it (https://grafana.com/docs/k6/latest/set-up/install-k6/):
  Debian/Ubuntu: sudo gpg -k && sudo gpg --no-default-keyring --keyring /usr/share/keyrings/k6-archive-keyring.gpg \\
                   --keyserver hkp://keyserver.ubuntu.com:80 --recv-keys C5AD17C747E3415A3642D57D77C6C491D6AC1D69
                 echo "deb [signed-by=/usr/share/keyrings/k6-archive-keyring.gpg] https://dl.k6.io/deb stable main" \\
                   | sudo tee /etc/apt/sources.list.d/k6.list && sudo apt-get update && sudo apt-get install k6
  macOS:         brew install k6
  Docker:        docker run --rm -i --network host grafana/k6 run - <loadtests/k6/smoke.js
  Binary:        https://github.com/grafana/k6/releases (any release from v0.45 on runs these scripts)`;

const USAGE = `usage: npm run loadtest -- <${K6_SCRIPTS.join('|')}> [--base-url URL] [--rate N] [--duration D] [--vus N] [--paths /a,/b] [--node] [-- k6 args]`;

function fail(message: string): never {
  process.stderr.write(`loadtest: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  strict: true,
  options: {
    'base-url': { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    vus: { type: 'string' },
    paths: { type: 'string' },
    node: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const [scriptArg, ...k6Args] = positionals;
if (!scriptArg) fail('name a script');
const script = scriptArg.replace(/\.js$/, '') as K6Script;
if (!K6_SCRIPTS.includes(script)) fail(`unknown script '${scriptArg}'`);

// Flags become the scripts' __ENV parameters; the environment's own values still apply otherwise.
const env: Record<string, string | undefined> = { ...process.env };
const flagEnv: Record<string, string | undefined> = { BASE_URL: values['base-url'], RATE: values.rate, DURATION: values.duration, VUS: values.vus, PATHS: values.paths };
for (const [k, v] of Object.entries(flagEnv)) if (v !== undefined) env[k] = v;
env.SUMMARY_DIR ??= RESULTS_DIR.replace(/\/$/, '');

async function runNode(): Promise<number> {
  try {
    const ok = await runEquivalent(equivalentPlan(script, env));
    return ok ? 0 : 99; // 99: k6's exit code for crossed thresholds
  } finally {
    await stopAllOwned();
  }
}

function runK6(k6: string): Promise<number> {
  mkdirSync(env.SUMMARY_DIR as string, { recursive: true });
  const file = `${K6_DIR}${script}.js`;
  if (!existsSync(file)) fail(`missing ${file}`);
  const args = ['run', ...Object.entries(flagEnv).filter(([, v]) => v !== undefined).flatMap(([k, v]) => ['-e', `${k}=${v}`]), '-e', `SUMMARY_DIR=${env.SUMMARY_DIR}`, ...k6Args, file];
  process.stderr.write(`k6 ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(k6, args, { stdio: 'inherit', env: env as NodeJS.ProcessEnv });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

async function offerNode(): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`Run the Node equivalent of ${script}.js now? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const k6 = findBinary('k6');
if (values.node) {
  process.exitCode = await runNode();
} else if (k6) {
  process.exitCode = await runK6(k6);
} else {
  process.stderr.write(`${INSTALL_HELP}\n\nWithout k6, the Node equivalent applies the same load shape and thresholds:\n  npm run loadtest -- ${script} --node${values['base-url'] ? ` --base-url ${values['base-url']}` : ''}\n`);
  if (await offerNode()) process.exitCode = await runNode();
  else process.exitCode = 1;
}
