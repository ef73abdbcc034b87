// `npm start` under a pseudo-terminal (util-linux `script`), as a user runs it: Ctrl-C typed on
// the terminal (byte 0x03, which the terminal driver turns into SIGINT for the whole foreground
// process group: npm, sh, tsx and the `tiered up` process) stops everything; no Redis, memcached,
// PostgreSQL, gateway, platform, worker or web process of this run is left.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from './stack/net.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tiered-npm-start-'));
chmodSync(dir, 0o755);
after(() => rmSync(dir, { recursive: true, force: true }));

const processesUnder = (needle: string): string[] => {
  try {
    return execFileSync('pgrep', ['-f', '-a', '--', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

test('npm start under a pty: Ctrl-C stops everything, no process left', { timeout: 240_000 }, async () => {
  const [redis, memcached, primary, replica, web, platform, dbRead, dbWrite, admin, webBase, platformBase] = await freePorts(11);
  const file = join(dir, 'tiered.yaml');
  writeFileSync(file, [
    'stack:',
    `  dir: ${join(dir, 'stack')}`,
    `  redis: { port: ${redis} }`,
    `  memcached: { count: 1, port: ${memcached} }`,
    `  postgres: { port: ${primary}, replicaPort: ${replica} }`,
    'up:',
    `  listen: { web: "127.0.0.1:${web}", platform: "127.0.0.1:${platform}", dbRead: "127.0.0.1:${dbRead}", dbWrite: "127.0.0.1:${dbWrite}", admin: "127.0.0.1:${admin}" }`,
    `  ports: { web: ${webBase}, platform: ${platformBase} }`,
    '  instances: { web: 1, platform: 1 }',
    '  seed: { users: 20, followsPerUser: 3, posts: 50 }',
    '',
  ].join('\n'));
  const npm = spawn('script', ['-qfec', `npm start -- -c ${file}`, '/dev/null'], { cwd: root, env: { ...process.env, TIERED_LOG_LEVEL: 'info' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  npm.stdout.on('data', (c) => (output += String(c)));
  npm.stderr.on('data', (c) => (output += String(c)));
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  const ours = () => [...processesUnder(dir), ...processesUnder(`--platform http://127.0.0.1:${platform}`), ...processesUnder(`redis-server 127.0.0.1:${redis}`), ...processesUnder(`memcached -l 127.0.0.1 -p ${memcached} `)];
  try {
    for (let start = Date.now(); !output.includes('Tiered is up'); await sleep(100)) {
      assert.equal(npm.exitCode, null, `npm start exited:\n${output.slice(-3000)}`);
      assert.ok(Date.now() - start < 180_000, `npm start did not come up:\n${output.slice(-3000)}`);
    }
    const before = ours();
    assert.ok(before.some((l) => l.includes('redis-server')) && before.some((l) => l.includes('postgres')) && before.some((l) => l.includes('memcached')), before.join('\n'));
    npm.stdin.write('\x03'); // Ctrl-C on the terminal
    const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout' as const)]);
    assert.notEqual(code, 'timeout', `npm start did not end after Ctrl-C:\n${output.slice(-3000)}`);
    for (let start = Date.now(); ours().length > 0; await sleep(200)) {
      assert.ok(Date.now() - start < 20_000, `left behind after Ctrl-C:\n${ours().join('\n')}\n${output.slice(-2000)}`);
    }
    assert.match(output, /stopping/);
  } finally {
    if (npm.exitCode === null) npm.kill('SIGKILL');
    for (const line of ours()) {
      try { process.kill(Number(line.split(' ')[0]), 'SIGKILL'); } catch {}
    }
  }
});
