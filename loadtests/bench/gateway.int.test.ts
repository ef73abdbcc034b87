// `tiered bench gateway --quick` end to end, through the CLI as a user runs it: real backends,
// HAProxy, http-proxy-3, the load generators. Asserts that the table, the JSON (with ratios) and
// the SVG are produced; never asserts speed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary } from '../../ops/stack/binaries.js';
import { figureOf, type SuiteResult } from './results.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'tiered-bench-test-'));

after(() => rmSync(out, { recursive: true, force: true }));

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGINT'), 200_000); // slow on a loaded CI machine: each Tiered peer is a supervisor + worker compiled by tsx
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('tiered bench gateway --quick prints the tables and writes JSON, Markdown and SVG', { timeout: 230_000 }, async () => {
  const { code, stdout, stderr } = await runCli(['bench', 'gateway', '--quick', '--out', out]);
  assert.equal(code, 0, `exit ${code}\n${stderr.slice(-3000)}`);
  for (const scenario of ['throughput', 'latency', 'slow-backend']) assert.match(stdout, new RegExp(`gateway · ${scenario}:`));
  assert.match(stdout, /^direct\s+[\d,]+\s/m);
  assert.match(stdout, /^http-proxy-3\s+[\d,]+\s/m);
  assert.match(stdout, /^tiered\s+/m);
  assert.match(stderr, /\] +\d+% gateway\/latency/); // progress lines

  const files = readdirSync(out);
  const json = files.find((f) => /^gateway-.*\.json$/.test(f));
  assert.ok(json, `no JSON in ${files.join(', ')}`);
  assert.ok(files.some((f) => /^gateway-.*\.svg$/.test(f)));
  assert.ok(files.some((f) => /^gateway-.*\.md$/.test(f)));

  const result = JSON.parse(readFileSync(join(out, json), 'utf8')) as SuiteResult;
  assert.equal(result.suite, 'gateway');
  assert.equal(result.quick, true);
  assert.equal(typeof result.machine.cpus, 'number');
  assert.deepEqual(result.scenarios.map((s) => s.name), ['throughput', 'latency', 'slow-backend']);
  const haproxy = findBinary('haproxy') !== undefined;
  for (const s of result.scenarios) {
    const measured = s.peers.filter((p) => p.status === 'ok');
    assert.ok(measured.length >= (haproxy ? 3 : 2), `${s.name}: ${JSON.stringify(s.peers.map((p) => [p.peer, p.status, p.note]))}`);
    for (const p of measured) {
      assert.ok((p.rate ?? 0) > 0, `${s.name}/${p.peer} rate`);
      assert.ok((p.p99 ?? 0) > 0, `${s.name}/${p.peer} p99`);
    }
    assert.ok(s.peers.some((p) => p.peer === 'tiered'), `${s.name}: Tiered's row is shown`);
    // Ratios are produced: against the subject (Tiered) for every other row, and a number
    // against the baseline for every measured row.
    for (const p of s.peers.filter((x) => x.peer !== s.subject)) assert.ok(s.ratios[p.peer], `${s.name}: ratio row for ${p.peer}`);
    const base = s.peers.find((x) => x.peer === s.baseline);
    for (const p of measured.filter((x) => x.peer !== s.baseline)) {
      for (const f of s.compare.filter((x) => figureOf(base, x) !== undefined)) assert.equal(typeof s.vsBaseline[p.peer][f], 'number', `${s.name}: ${p.peer}/${s.baseline} ${f}`);
    }
  }
  const svg = readFileSync(join(out, json.replace(/\.json$/, '.svg')), 'utf8');
  assert.match(svg, /^<svg /);
  assert.ok((svg.match(/<path /g) ?? []).length >= 4, 'latency lines for the open-model scenarios');
});

test('tiered bench with an unknown suite is a usage error (exit 2)', async () => {
  const { code, stderr } = await runCli(['bench', 'nope', '--out', out]);
  assert.equal(code, 2);
  assert.match(stderr, /unknown suite nope/);
});
