// `tiered up` runs its services as supervised child processes (ops/children.ts): their lines come
// out prefixed with their name; the gateway killed with SIGKILL is started again and serves;
// SIGINT stops everything and leaves no process behind (stack servers, gateway primary, workers).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './stack/net.js';
import { eventually } from '../sdk/testing/eventually.js';
import { httpRequest, startTestBackend } from '../gateway/test-backends.js';
import { childLine } from './children.js';
import { listeningPort } from './services.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tiered-up-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('child lines: prefixed with the name, JSON log lines rendered, other lines as they are', () => {
  const pretty = (line: string) => `pretty(${line})\n`;
  assert.equal(childLine('gateway', 10, '{"msg":"x"}', pretty), 'gateway    | pretty({"msg":"x"})');
  assert.equal(childLine('gateway', 10, 'plain text', pretty), 'gateway    | plain text');
  assert.equal(childLine('gw', 2, '{broken', () => {
    throw new Error('not JSON');
  }), 'gw | {broken');
  assert.deepEqual(listeningPort('{"frontend":"web","port":8080,"msg":"http frontend web listening on 127.0.0.1:0"}'), { name: 'web', port: 8080 });
  assert.deepEqual(listeningPort('{"port":8404,"msg":"admin listening on 127.0.0.1:0"}'), { name: 'admin', port: 8404 });
  assert.deepEqual(listeningPort('{"frontend":"db-read","listen":"127.0.0.1:9001","msg":"tcp frontend db-read listening on 127.0.0.1:9001"}'), { name: 'db-read', port: 9001 });
  assert.equal(listeningPort('{"msg":"listening"}'), undefined);
  assert.equal(listeningPort('not json'), undefined);
});

test('tiered up: the gateway runs as a supervised child; SIGKILL → started again; SIGINT → no process left', { timeout: 180_000 }, async () => {
  const app = await startTestBackend('app');
  const [redisPort, memcachedPort, webPort, adminPort] = await freePorts(4);
  const file = join(dir, 'tiered.yaml');
  writeFileSync(file, [
    'stack:',
    `  dir: ${join(dir, 'stack')}`,
    `  redis: { port: ${redisPort} }`,
    `  memcached: { count: 1, port: ${memcachedPort} }`,
    '  postgres: { enabled: false }',
    'gateway:',
    '  accessLog: false',
    `  admin: { listen: "127.0.0.1:${adminPort}" }`,
    `  frontends: [{ name: web, listen: "127.0.0.1:${webPort}", backend: app }]`,
    `  backends: [{ name: app, servers: [{ name: app1, address: "${app.address}" }] }]`,
    '',
  ].join('\n'));
  const up = spawn(process.execPath, ['--import', 'tsx', 'ops/cli.ts', 'up', '-c', file], {
    cwd: root, env: { ...process.env, TIERED_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  up.stdout.on('data', (c) => (output += String(c)));
  up.stderr.on('data', (c) => (output += String(c)));
  const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
  try {
    await eventually('tiered up is up', () => output.includes('Tiered is up'), 120_000);
    assert.match(output, /^gateway {6}\| .*listening/m, 'the gateway lines carry its name');
    assert.match(output, new RegExp(`gateway web +127\\.0\\.0\\.1:${webPort}`));
    assert.match(output, new RegExp(`gateway admin +127\\.0\\.0\\.1:${adminPort}`));
    const port = webPort;
    assert.equal((await httpRequest(port, { path: '/x' })).status, 200);
    const stats = async () => JSON.parse((await httpRequest(adminPort, { path: '/stats.json' })).body) as { pid: number; workers: { pid: number; up: boolean }[] };
    const first = await stats();
    const gatewayPids = [first.pid, ...first.workers.map((w) => w.pid)];
    const servers = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(dir, 'stack', 'stack.json'), 'utf8'))) as { servers: { pid?: number }[] };
    const serverPids = servers.servers.flatMap((s) => (s.pid ? [s.pid] : []));
    assert.ok(serverPids.length >= 2, 'redis and memcached run');

    // The gateway (its primary) dies: `tiered up` starts it again (same config, same ports).
    process.kill(first.pid, 'SIGKILL');
    await eventually('the gateway was started again', () => /gateway +\| exited \(SIGKILL\); starting again/.test(output));
    const second = await eventually('the new gateway answers', async () => {
      try {
        const s = await stats();
        return s.pid !== first.pid && s.workers.every((w) => w.up) ? s : undefined;
      } catch {
        return undefined;
      }
    });
    gatewayPids.push(second.pid, ...second.workers.map((w) => w.pid));
    // The new primary's admin port answers before its worker has bound the HTTP frontend (a
    // cluster primary binds a shared port when the first worker listens): wait for it to serve.
    await eventually('the new gateway serves the web frontend', async () => {
      try {
        return (await httpRequest(port, { path: '/again' })).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    }, 30_000);

    up.kill('SIGINT');
    assert.equal(await exited, 0);
    await eventually('no process left', () => [...gatewayPids, ...serverPids].every((pid) => !alive(pid)), 20_000);
  } finally {
    // A failed assertion: stop `tiered up` the way a user does, so its children go with it.
    if (up.exitCode === null) {
      up.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (up.exitCode === null) up.kill('SIGKILL');
    }
    await app.stop();
  }
});

