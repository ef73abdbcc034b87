// `tiered platform`, `tiered demo seed|web` and `tiered up --app` as a user runs them: bad flags
// and missing settings exit 2 with one line naming what is wrong; the seed fills a real
// PostgreSQL with its progress on stderr; `tiered platform` serves an app module and stops on SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startTestStack, type TestStack } from './stack/testing.js';
import { freePort } from './stack/net.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tiered-platform-cli-'));
const env = { ...process.env, TIERED_FROM_SOURCE: '1', TIERED_LOG_LEVEL: 'info', TIERED_LOG_FORMAT: 'json' };
const tiered = (...args: string[]) => spawnSync(process.execPath, ['bin/tiered.js', ...args], { cwd: root, encoding: 'utf8', env });
let stack: TestStack;

before(async () => {
  stack = await startTestStack({ postgres: true, memcached: 1 });
});
after(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('usage errors exit 2 and name the problem', () => {
  const noApp = join(dir, 'empty.yaml');
  writeFileSync(noApp, 'stack: {}\n');
  let r = tiered('platform', '-c', noApp);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /platform\.db is required/);
  r = tiered('platform', '-c', noApp, '--port', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port: expected a port number/);
  r = tiered('demo', 'seed', '--users', 'many', '--db', 'postgres://x@127.0.0.1:1/x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--users: expected a whole number/);
  r = tiered('demo', 'seed', '-c', noApp);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no database/);
  r = tiered('up', '--app', 'ftp://nope');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--app: expected http:\/\/host:port/);
  const badUp = join(dir, 'bad-up.yaml');
  writeFileSync(badUp, 'up: { instances: { web: 0 } }\n');
  r = tiered('config', 'check', '-c', badUp);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /up\.instances\.web/);
});

test('tiered demo seed fills PostgreSQL (migrations first); tiered platform serves the demo and stops on SIGTERM', { timeout: 120_000 }, async () => {
  const url = stack.postgres.primary.url;
  const seeded = tiered('demo', 'seed', '--db', url, '--users', '300', '--follows-per-user', '10', '--posts', '1000');
  assert.equal(seeded.status, 0, seeded.stderr);
  assert.match(seeded.stdout, /seeded 300 users, \d+ follows, 1000 posts/);
  assert.match(seeded.stderr, /posts 100% \(1000\/1000\)/);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const counts = (await client.query('SELECT (SELECT count(*) FROM demo_users)::int AS u, (SELECT count(*) FROM demo_posts)::int AS p, (SELECT max(followers) FROM demo_users)::int AS top, (SELECT sum(followers) FROM demo_users)::int AS f, (SELECT count(*) FROM demo_follows)::int AS fl')).rows[0];
  await client.end();
  assert.equal(counts.u, 300);
  assert.equal(counts.p, 1000);
  assert.equal(counts.f, counts.fl, 'follower counts match the follows');
  assert.ok(counts.top > 50, `skewed: the top account has ${counts.top} followers`);

  const port = await freePort();
  const file = join(dir, 'platform.yaml');
  writeFileSync(file, [
    'platform:',
    `  app: ${join(root, 'platform', 'demo', 'app.ts')}`,
    `  db: { read: "${url}", write: "${url}" }`,
    'cache:',
    `  store: { memcached: ["${stack.memcached[0].address}"] }`,
    '',
  ].join('\n'));
  const proc = spawn(process.execPath, ['bin/tiered.js', 'platform', '-c', file, '--port', String(port)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c) => (out += String(c)));
  proc.stderr.on('data', (c) => (out += String(c)));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    for (let t = Date.now(); !out.includes('platform listening'); await new Promise((r) => setTimeout(r, 100))) {
      assert.ok(Date.now() - t < 60_000 && proc.exitCode === null, out);
    }
    const user = await (await fetch(`http://127.0.0.1:${port}/users/1`)).json() as { handle: string };
    assert.equal(user.handle, 'user1');
    const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as { parts: Record<string, unknown> };
    assert.deepEqual(Object.keys(health.parts).sort(), ['cache', 'primary', 'replica']);
    proc.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
});
