// The `tiered` command as a user runs it (bin/tiered.js through tsx): help, version,
// usage errors exit 2, config check names every bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tiered = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/tiered.js', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, TIERED_FROM_SOURCE: '1' } });

test('--help and --version exit 0', () => {
  const help = tiered('--help');
  assert.equal(help.status, 0);
  for (const command of ['config', 'stack', 'doctor']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  const version = tiered('--version');
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});

test('an unknown command or a bad flag prints usage and exits 2', () => {
  const unknown = tiered('frobnicate');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  assert.match(unknown.stderr, /Usage: tiered/);
  const badFlag = tiered('stack', 'up', '--bogus');
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr, /unknown option '--bogus'/);
  const badValue = tiered('stack', 'up', '--memcached', 'lots');
  assert.equal(badValue.status, 2);
  assert.match(badValue.stderr, /--memcached expects a whole number/);
});

test('config check on a bad file exits 2 and names each bad field', () => {
  const result = tiered('config', 'check', '-c', 'ops/testdata/bad.yaml');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /stack\.redis\.port: expected number, got "six-three-seven-nine"/);
  assert.match(result.stderr, /stack\.memcached\.count: .*got 99/);
  assert.match(result.stderr, /telemetry\.exporter: expected one of .* got "zipkin"/);
  assert.match(result.stderr, /telemetry\.prometheus\.listen: expected host:port, got "localhost"/);
});

test('config check on a missing file exits 2; on a good file prints the resolved config', () => {
  assert.equal(tiered('config', 'check', '-c', 'does-not-exist.yaml').status, 2);
  const ok = tiered('config', 'check', '-c', 'tiered.example.yaml', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  const resolved = JSON.parse(ok.stdout);
  assert.equal(typeof resolved, 'object');
});

test('stack up --ephemeral prints JSON with the ports; stack down --dir leaves no process', async () => {
  const { isAlive } = await import('./stack/processes.js');
  const { ask, isListening } = await import('./stack/net.js');
  const upResult = tiered('stack', 'up', '--ephemeral', '--memcached', '2');
  assert.equal(upResult.status, 0, upResult.stderr);
  const summary = JSON.parse(upResult.stdout);
  try {
    assert.match(await ask(summary.redis.port, 'PING\r\n'), /PONG/);
    assert.equal(summary.memcached.length, 2);
    for (const m of summary.memcached) assert.match(await ask(m.port, 'version\r\n'), /^VERSION/);
    assert.equal(await isListening(summary.postgres.primary.port), true);
    assert.equal(await isListening(summary.postgres.replica.port), true);
    const status = tiered('stack', 'status', '--dir', summary.dir, '--json');
    assert.equal(status.status, 0, status.stderr);
    const rows = JSON.parse(status.stdout) as { name: string; up: boolean; role?: string }[];
    assert.deepEqual(rows.map((r) => [r.name, r.up, r.role ?? null]), [
      ['redis', true, null], ['memcached:0', true, null], ['memcached:1', true, null], ['primary', true, 'primary'], ['replica', true, 'replica'],
    ]);
  } finally {
    const down = tiered('stack', 'down', '--dir', summary.dir);
    assert.equal(down.status, 0, down.stderr);
  }
  const pids = [summary.redis.pid, ...summary.memcached.map((m: { pid: number }) => m.pid), summary.postgres.primary.pid, summary.postgres.replica.pid];
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} left running`);
});

test('a gateway whose port is taken ends with one line and exit 1 (no stack trace, no hang)', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const result = spawnSync(process.execPath, ['bin/tiered.js', 'gateway', '--listen', `127.0.0.1:${port}`, '--backend', 'http://127.0.0.1:1', '--no-access-log'], {
      cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, TIERED_FROM_SOURCE: '1' },
    });
    assert.equal(result.signal, null, 'ended by itself');
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^tiered: .*127\.0\.0\.1:\d+.*\[TIERED_ERR_[A-Z_]+\]$/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    blocker.close();
  }
});
