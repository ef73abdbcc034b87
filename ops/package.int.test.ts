// Tiered as users get it from the registry: `npm pack` (prepack builds dist/), the tarball
// installed into a fresh app with no access to this checkout's node_modules, then in that app:
// every subpath export imported from an ES module and type-checked from TypeScript against the
// shipped .d.ts files, one real call per export, and the `tiered` command (compiled, no tsx).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestStack, type TestStack } from './stack/testing.js';
import { freePorts } from './stack/net.js';
import { packAndInstall, type PackedApp } from './testing/packed-app.js';

let app: PackedApp;

before(async () => {
  app = await packAndInstall();
}, { timeout: 600_000 });

after(() => app?.remove());

const subpaths = () => Object.keys(app.manifest.exports).filter((k) => k !== './package.json');
const specifier = (subpath: string) => (subpath === '.' ? 'tiered' : `tiered/${subpath.slice(2)}`);

test('the tarball ships dist/ (JS, .d.ts, source maps), bin and the example config; no tests, test support or sources', () => {
  const outside = app.files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'CHANGELOG.md', 'bin/tiered.js', 'ops/install-deps', 'tiered.example.yaml'].includes(f));
  assert.deepEqual(outside, [], 'files outside dist/ and the allowed list');
  const forbidden = app.files.filter((f) => /\.test\.|\/fixtures\/|\/testing\/|\/testing\.|\/test-[^/]*$|\/testdata\/|(?<!\.d)\.ts$/.test(f));
  assert.deepEqual(forbidden, [], 'tests, test support or TypeScript sources in the tarball');
  for (const subpath of subpaths()) {
    const base = `dist/${subpath === '.' ? 'ops' : subpath.slice(2)}/index`;
    for (const ext of ['.js', '.d.ts', '.js.map']) assert.ok(app.files.includes(base + ext), `${base}${ext} missing for ${specifier(subpath)}`);
  }
  assert.ok(app.files.includes('dist/ops/cli.js'));
});

test('runtime dependencies are exactly the packages the compiled code imports', () => {
  const dist = join(app.dir, 'node_modules', 'tiered', 'dist');
  const imported = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.js')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"]([^'".][^'"]*)['"]/gm)) {
          if (m[1].startsWith('node:')) continue;
          imported.add(m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0]);
        }
      }
    }
  };
  walk(dist);
  const declared = Object.keys(app.manifest.dependencies);
  assert.deepEqual([...imported].filter((p) => !declared.includes(p)).sort(), [], 'imported by dist/ but not in dependencies');
  // @types/pg, @types/http-cache-semantics: the shipped .d.ts files name their types
  // (createDbClient and the outbox relay; the edge's stored objects, reached from Gateway.purge's types).
  const typesOnly = ['@types/pg', '@types/http-cache-semantics'];
  assert.deepEqual(declared.filter((p) => !imported.has(p) && !typesOnly.includes(p)).sort(), [], 'in dependencies but never imported by dist/');
});

test('every subpath export imports from an ES module', async () => {
  const lines = subpaths().map((s, i) => `import * as m${i} from '${specifier(s)}';`);
  lines.push(`console.log(JSON.stringify({ ${subpaths().map((s, i) => `'${specifier(s)}': Object.keys(m${i}).length`).join(', ')} }));`);
  writeFileSync(join(app.dir, 'imports.mjs'), `${lines.join('\n')}\n`);
  const { stdout } = await app.run(process.execPath, ['imports.mjs']);
  const counts = JSON.parse(stdout) as Record<string, number>;
  assert.deepEqual(Object.keys(counts).sort(), subpaths().map(specifier).sort());
  for (const [name, count] of Object.entries(counts)) assert.ok(count > 0, `${name} exports nothing`);
});

test('TypeScript checks every export against the shipped types (tsc --noEmit, skipLibCheck off)', async () => {
  const lines = subpaths().map((s, i) => `import * as m${i} from '${specifier(s)}';`);
  lines.push(`export const all = [${subpaths().map((_, i) => `m${i}`).join(', ')}];`);
  writeFileSync(join(app.dir, 'imports-all.ts'), `${lines.join('\n')}\n`);
  await app.run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { timeoutMs: 120_000 });
});

test('one real call per export: smart client, memory cache, job definition, in-process gateway, config', async () => {
  const { stdout } = await app.run(process.execPath, ['use.ts'], { timeoutMs: 60_000 });
  const results = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.deepEqual(results, {
    config: 6390,
    schema: 'function',
    sdk: ['a /hello', 'b /hello'],
    cache: [1, 2],
    queue: 'pkg.email',
    gateway: [200, 'a /through'],
    platform: true,
  });
});

test('npx tiered --version and npx tiered config check run the compiled CLI', async () => {
  const version = await app.run('npx', ['--no-install', 'tiered', '--version']);
  assert.equal(version.stdout.trim(), app.manifest.version);
  writeFileSync(join(app.dir, 'tiered.yaml'), 'stack:\n  redis:\n    port: ${REDIS_PORT:-6390}\ngateway:\n  frontends:\n    - { name: web, listen: "127.0.0.1:8080", mode: http, backend: app }\n  backends:\n    - name: app\n      servers: [{ name: s1, address: "127.0.0.1:3001" }]\n');
  const check = await app.run('npx', ['--no-install', 'tiered', 'config', 'check', '-c', 'tiered.yaml']);
  assert.match(check.stdout, /port: 6390/);
  writeFileSync(join(app.dir, 'bad.yaml'), 'stack:\n  redis: { port: "x" }\n');
  const bad = await app.run('npx', ['--no-install', 'tiered', 'config', 'check', '-c', 'bad.yaml'], { expect: 2 });
  assert.match(bad.stderr, /stack\.redis\.port/);
  // The harness is not shipped: a clear line, not a stack trace.
  const bench = await app.run('npx', ['--no-install', 'tiered', 'bench', '--list'], { expect: 2 });
  assert.match(bench.stderr, /clone of the Tiered repository/);
  // The Debian packages' installer ships too, and the messages name it where it is.
  const deps = await app.run('bash', [join('node_modules', 'tiered', 'ops', 'install-deps'), '--help']);
  assert.match(deps.stdout, /Installs the Debian packages/);
  const missing = await app.run(process.execPath, ['--input-type=module', '-e', "import { MissingBinaryError } from 'tiered/ops'; console.log(new MissingBinaryError('redis-server', 'redis-server').message)"]);
  assert.match(missing.stdout, /\(bash node_modules\/tiered\/ops\/install-deps, or: sudo apt-get install -y redis-server\)/);
  // No TypeScript toolchain came with the package.
  assert.equal(existsSync(join(app.dir, 'node_modules', 'tsx')), false, 'tsx installed with the package');
});

function backend(): Promise<Server> {
  const server = createServer((req, res) => res.end(`backend ${req.url}`));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('tiered gateway --workers 2 from the package: the cluster workers start from the installed bin and serve', async () => {
  const server = await backend();
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(join(app.dir, 'node_modules', '.bin', 'tiered'), [
    'gateway', '--listen', `127.0.0.1:${port}`, '--backend', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '--workers', '2',
  ], { cwd: app.dir, env: { ...app.env, TIERED_LOG_LEVEL: 'info', TIERED_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const deadline = Date.now() + 30_000;
    const workers = () => new Set([...output.matchAll(/"pid":(\d+)[^\n]*frontend http listening/g)].map((m) => m[1]));
    while (workers().size < 2) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `two workers did not start:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`http://127.0.0.1:${port}/hi`);
    assert.equal(await res.text(), 'backend /hi');
  } finally {
    child.kill('SIGTERM');
    await exited;
    server.close();
  }
});

test('tiered up from the package: its children (the gateway) start from the installed bin; SIGINT stops everything', async () => {
  const server = await backend();
  // The stack's own ports are 0 (chosen by tiered up as it starts them): picked here, seconds
  // before use, another test could take one first (seen in CI).
  const [webPort, adminPort] = await freePorts(2);
  writeFileSync(join(app.dir, 'up.yaml'), [
    'stack:',
    `  dir: ${join(app.dir, '.tiered-stack')}`,
    '  redis: { port: 0 }',
    '  memcached: { count: 1, port: 0 }',
    '  postgres: { enabled: false }',
    'gateway:',
    '  accessLog: false',
    `  admin: { listen: "127.0.0.1:${adminPort}" }`,
    `  frontends: [{ name: web, listen: "127.0.0.1:${webPort}", backend: app }]`,
    `  backends: [{ name: app, servers: [{ name: app1, address: "127.0.0.1:${(server.address() as AddressInfo).port}" }] }]`,
    '',
  ].join('\n'));
  const up = app.start('.', join(app.dir, 'node_modules', '.bin', 'tiered'), ['up', '-c', 'up.yaml'], { TIERED_LOG_LEVEL: 'info' });
  try {
    await up.waitFor(/Tiered is up/, 120_000);
    assert.match(up.output(), /^gateway {6}\| .*listening/m, 'the gateway runs as a named child');
    const res = await fetch(`http://127.0.0.1:${webPort}/via-up`);
    assert.equal(await res.text(), 'backend /via-up');
    await up.stop(20_000, 'SIGINT');
    assert.equal(up.exitCode(), 0, `tiered up did not stop cleanly on SIGINT:\n${up.output().slice(-3000)}`);
  } finally {
    await up.stop(1000, 'SIGKILL');
    server.close();
  }
});

// examples/: each one run as its README says, in the app that installed the package.

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('examples', () => {
  let redis: TestStack;
  before(async () => {
    redis = await startTestStack({ redis: true });
  });
  after(() => redis?.stop());

  test('gateway-quick: two copies of the app behind tiered gateway; one stopped, requests still answered', async () => {
    const [p1, p2, listen, admin] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const apps = [app.start('examples/gateway-quick', process.execPath, ['app.ts', String(p1)]), app.start('examples/gateway-quick', process.execPath, ['app.ts', String(p2)])];
    const gateway = app.start('examples/gateway-quick', join(app.dir, 'node_modules', '.bin', 'tiered'), [
      'gateway', '--listen', `127.0.0.1:${listen}`, '--backend', `http://127.0.0.1:${p1}`, '--backend', `http://127.0.0.1:${p2}`,
      '--health', '/healthz', '--admin', `127.0.0.1:${admin}`,
    ], { TIERED_LOG_LEVEL: 'info', TIERED_LOG_FORMAT: 'json' });
    try {
      for (const a of apps) await a.waitFor(/listening on/);
      await gateway.waitFor(/frontend http listening/);
      const servedBy = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`http://127.0.0.1:${listen}/users/7`);
        assert.equal(res.status, 200);
        const body = (await res.json()) as { id: string; servedBy: string };
        assert.equal(body.id, '7');
        servedBy.add(body.servedBy);
      }
      assert.deepEqual([...servedBy].sort(), [`app:${p1}`, `app:${p2}`].sort());
      await apps[0].stop();
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`http://127.0.0.1:${listen}/users/8`);
        assert.equal(res.status, 200, `request ${i} after one app stopped`);
        assert.equal(((await res.json()) as { servedBy: string }).servedBy, `app:${p2}`);
      }
    } finally {
      await gateway.stop();
      await Promise.all(apps.map((a) => a.stop()));
    }
  });

  test('smart-client: the service balances over two prices hosts and keeps answering when one is down', async () => {
    const [p1, p2, port] = [await freePort(), await freePort(), await freePort()];
    const hosts = [app.start('examples/smart-client', process.execPath, ['prices.ts', String(p1)]), app.start('examples/smart-client', process.execPath, ['prices.ts', String(p2)])];
    for (const h of hosts) await h.waitFor(/prices on/);
    const service = app.start('examples/smart-client', process.execPath, ['service.ts'], { PORT: String(port), PRICES: `http://127.0.0.1:${p1},http://127.0.0.1:${p2}` });
    try {
      await service.waitFor(/quote service on/);
      const from = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/quote`);
        assert.equal(res.status, 200);
        const body = (await res.json()) as { price: { amount: number }; from: string };
        assert.equal(body.price.amount, 42);
        from.add(body.from);
      }
      assert.equal(from.size, 2, `answers came from ${[...from].join(', ')}`);
      await hosts[0].stop();
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/quote`);
        assert.equal(res.status, 200, `quote ${i} after one host stopped`);
        assert.equal(((await res.json()) as { from: string }).from, `http://127.0.0.1:${p2}`);
      }
    } finally {
      await service.stop();
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });

  test('cache-read-through: a hit does not read the database; a write invalidates (Redis store)', async () => {
    const port = await freePort();
    const server = app.start('examples/cache-read-through', process.execPath, ['app.ts'], { PORT: String(port), REDIS_URL: redis.redis.url });
    try {
      await server.waitFor(/users app on .*\(redis cache\)/);
      const get = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/users/1`);
        assert.equal(res.status, 200);
        return { user: (await res.json()) as { name: string }, reads: Number(res.headers.get('x-db-reads')) };
      };
      assert.deepEqual(await get(), { user: { id: '1', name: 'Ada' }, reads: 1 });
      assert.deepEqual(await get(), { user: { id: '1', name: 'Ada' }, reads: 1 });
      const put = await fetch(`http://127.0.0.1:${port}/users/1`, { method: 'PUT', body: JSON.stringify({ name: 'Ada L.' }) });
      assert.equal(put.status, 200);
      assert.deepEqual(await get(), { user: { id: '1', name: 'Ada L.' }, reads: 2 });
    } finally {
      await server.stop();
    }
  });

  test('jobs-worker: tiered worker runs an enqueued job and the cron schedule\'s ticks', async () => {
    const worker = app.start('examples/jobs-worker', join(app.dir, 'node_modules', '.bin', 'tiered'), ['worker', '--module', 'jobs.ts', '--cron', '--redis', redis.redis.url]);
    try {
      const enqueued = await app.run(process.execPath, [join('examples', 'jobs-worker', 'enqueue.ts'), '7'], { timeoutMs: 30_000, env: { REDIS_URL: redis.redis.url } });
      assert.match(enqueued.stdout, /enqueued welcome\.send:/);
      await worker.waitFor(/welcome mail to user7@example\.com \(user 7\)/, 30_000);
      await worker.waitFor(/heartbeat tick \d{4}-\d\d-\d\dT/, 30_000);
    } finally {
      await worker.stop();
    }
  });
});
