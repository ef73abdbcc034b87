// End to end: `tiered up` with the timeline demo on ephemeral ports (stack with a PostgreSQL
// replica, gateway, migrations + seed, relay, two platform instances, worker, cron, two web
// instances). Through :8080 (web) and :9000 (platform): the poster reads their post at once with
// the replica's replay paused; a follower sees it after the fan-out job; a celebrity's post
// arrives through the read-time merge; a profile update reaches readers; a platform instance
// SIGKILLed → no failed request through :9000; SIGINT → exit 0 and no process left.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePortRun as freeRun, freePorts } from './stack/net.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tiered-up-demo-'));
chmodSync(dir, 0o755); // PostgreSQL runs as its own user when we are root
after(() => rmSync(dir, { recursive: true, force: true }));

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    assert.ok(Date.now() - start < timeoutMs, `not within ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}

const processesUnder = (needle: string): string[] => {
  try {
    return execFileSync('pgrep', ['-f', '-a', '--', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

test('tiered up: the whole demo architecture end to end; SIGINT leaves no process', { timeout: 240_000 }, async () => {
  const [redis, memcached, primary, replica, web, platform, dbRead, dbWrite, admin] = await freePorts(9);
  const webBase = await freeRun(2);
  const platformBase = await freeRun(2);
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
    '  seed: { users: 50, followsPerUser: 5, posts: 300 }',
    '  options: { celebrityFollowers: 3 }',
    '',
  ].join('\n'));
  const started = Date.now();
  const up = spawn(process.execPath, ['--import', 'tsx', 'ops/cli.ts', 'up', '-c', file], {
    cwd: root, env: { ...process.env, TIERED_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  up.stdout.on('data', (c) => (output += String(c)));
  up.stderr.on('data', (c) => (output += String(c)));
  const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
  const api = async (method: string, path: string, body?: unknown, token?: string, port = web) => {
    const res = await fetch(`http://127.0.0.1:${port}${port === web ? '/api' : ''}${path}`, {
      method, headers: { 'content-type': 'application/json', ...(token ? { 'x-tiered-session': token } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = text; }
    return { status: res.status, json, headers: res.headers, token: res.headers.get('x-tiered-session') ?? undefined };
  };
  try {
    await until('tiered up is up', () => {
      assert.equal(up.exitCode, null, 'tiered up exited');
      return output.includes('Tiered is up');
    }, 90_000);
    const first = await until('a first page through :8080', async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${web}/`);
        return res.status === 200 && (await res.text()).includes('Sign in') ? Date.now() - started : undefined;
      } catch {
        return undefined;
      }
    });
    process.stderr.write(`tiered up: first page through :8080 after ${first} ms\n`);
    for (const name of ['gateway', 'platform 1', 'platform 2', 'worker', 'cron', 'web 1', 'web 2', 'cache relay']) {
      assert.match(output, new RegExp(`^${name} +\\| `, 'm'), `${name} lines carry its name`);
    }
    assert.match(output, new RegExp(`open the demo +http://127\\.0\\.0\\.1:${web}/`));
    assert.match(output, /seeded 50 users/);
    assert.equal((await api('GET', '/users/1')).status, 200, 'seeded');

    const user = async (handle: string) => {
      const r = await api('POST', '/users', { handle, name: handle.toUpperCase() });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return r.json.id as number;
    };
    const [alice, bob, carol, dan, star] = [await user('alice'), await user('bob'), await user('carol'), await user('dan'), await user('star')];
    for (const [a, b] of [[bob, alice], [bob, star], [carol, star], [dan, star]]) assert.equal((await api('POST', `/users/${a}/follow`, { followee: b })).status, 200);
    assert.equal((await api('GET', `/users/${bob}/home`)).status, 200);

    // Read-your-writes with the replica's replay paused.
    const replicaAdmin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${replica}/postgres` });
    await replicaAdmin.connect();
    await replicaAdmin.query('SELECT pg_wal_replay_pause()');
    let postId: number;
    try {
      const posted = await api('POST', `/users/${alice}/posts`, { body: 'hello from alice #e2e' });
      assert.equal(posted.status, 201);
      postId = posted.json.id;
      const own = await api('GET', `/users/${alice}/posts`, undefined, posted.token);
      assert.equal(own.json[0]?.id, postId, 'the poster sees the post at once');
      const home = await api('GET', `/users/${alice}/home`, undefined, posted.token);
      assert.equal(home.json.posts[0]?.id, postId);
      await until('bob sees alice\'s post after the fan-out job', async () => (await api('GET', `/users/${bob}/home`)).json.posts?.some((p: { id: number }) => p.id === postId), 20_000);
    } finally {
      await replicaAdmin.query('SELECT pg_wal_replay_resume()').catch(() => {});
      await replicaAdmin.end();
    }

    // A celebrity (3 followers at celebrityFollowers 3): merged at read time.
    const big = await api('POST', `/users/${star}/posts`, { body: 'celebrity news' });
    assert.equal(big.json.fannedOut, false);
    for (const reader of [bob, carol, dan]) {
      assert.ok((await api('GET', `/users/${reader}/home`)).json.posts.some((p: { id: number }) => p.id === big.json.id), 'read-time merge');
    }

    // A profile update reaches readers (no session token).
    const before = await api('GET', `/users/${alice}`);
    assert.equal(before.headers.get('surrogate-key'), `user:${alice}`);
    assert.match(before.headers.get('cache-control') ?? '', /max-age=/);
    assert.equal((await api('PUT', `/users/${alice}`, { name: 'Alice Renamed' })).status, 200);
    assert.equal((await api('GET', `/users/${alice}`)).json.name, 'Alice Renamed');

    // The HTML UI: sign in with a form, post, see it on the home page (through :8080).
    const signin = await fetch(`http://127.0.0.1:${web}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'handle=carol' });
    assert.equal(signin.status, 303);
    const cookie = signin.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const posted = await fetch(`http://127.0.0.1:${web}/post`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'body=%3Cb%3Ehi%3C%2Fb%3E+from+the+form' });
    assert.equal(posted.status, 303);
    const session = posted.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('ts='));
    assert.ok(session, 'the session token comes back as a cookie');
    const page = await (await fetch(`http://127.0.0.1:${web}/`, { headers: { cookie: `${cookie}; ${session}` } })).text();
    assert.match(page, /&#60;b&#62;hi&#60;\/b&#62; from the form/, 'own post on the home page, escaped');
    assert.match(page, /celebrity news/);

    // Bad input through the whole path: a 400 naming the field.
    const bad = await api('POST', `/users/${alice}/posts`, { body: '' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.problems[0], /^body: /);

    // One platform instance SIGKILLed: no failed request through :9000.
    const pid = Number(/platform 1 +\| .*platform listening on port \d+ \(pid (\d+)\)/.exec(output)?.[1]);
    assert.ok(pid > 0, 'platform 1 pid in its log line');
    let failures = 0;
    let requests = 0;
    let answered = 0;
    const hardEnd = Date.now() + 15_000;
    let end = hardEnd; // 2.5 s after the kill
    const load = (async () => {
      while (Date.now() < end) {
        requests++;
        const r = await api('GET', `/users/${alice}`, undefined, undefined, platform).catch(() => ({ status: 0 }));
        answered++;
        if (r.status !== 200) failures++;
      }
    })();
    // Killed while requests flow (not after a fixed head start), and the load goes on 2.5 s after.
    await until('requests answered through :9000', () => answered >= 5, 10_000);
    process.kill(pid, 'SIGKILL');
    end = Math.min(hardEnd, Date.now() + 2_500);
    const answeredAtKill = answered;
    await load;
    assert.ok(answered > answeredAtKill, 'requests went on after the kill');
    assert.equal(failures, 0, `${failures} of ${requests} requests through :9000 failed`);
    await until('platform 1 started again', () => /platform 1 +\| exited \(SIGKILL\); starting again/.test(output), 20_000);

    const ours = () => [...processesUnder(dir), ...processesUnder(`--platform http://127.0.0.1:${platform}`), ...processesUnder(`redis-server 127.0.0.1:${redis}`), ...processesUnder(`memcached -l 127.0.0.1 -p ${memcached} `)];
    const lines = ours();
    assert.ok(lines.length >= 10, `processes of this run: ${lines.length}`);
    up.kill('SIGINT');
    assert.equal(await exited, 0);
    await until('no process left', () => {
      return ours().length === 0 ? true : undefined;
    }, 30_000);
  } catch (error) {
    writeFileSync(join(tmpdir(), 'tiered-up-demo-output.txt'), output);
    process.stderr.write(output.split('\n').slice(-80).join('\n'));
    throw error;
  } finally {
    if (up.exitCode === null) up.kill('SIGKILL');
    await exited;
    for (const line of [...processesUnder(dir), ...processesUnder(`redis-server 127.0.0.1:${redis}`), ...processesUnder(`memcached -l 127.0.0.1 -p ${memcached} `)]) {
      const pid = Number(line.split(' ')[0]);
      try { process.kill(pid, 'SIGKILL'); } catch {}
    }
  }
});
