// The system under test of `tiered bench timeline`: the whole architecture started through the
// CLI as a user would (`tiered up -c <run>/tiered.yaml`: local stack, gateway, 2 web + 2 platform
// instances, worker, cron, relay, migrations and the seed) on free loopback ports, plus what the
// scenarios need: a fan-out author followed by N seeded users, every user's home timeline read
// once (the fan-out model's steady state: lists in Redis, posts and profiles in the cache), and
// the pids of each role for CPU per request.
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { freePortRun, freePorts } from '../../../../ops/stack/net.js';
import { startProcess, logTail, type OwnedProcess } from '../../process.js';
import type { BenchContext } from '../../suite.js';

export interface TimelineSize {
  users: number;
  followsPerUser: number;
  posts: number;
  /** Followers of the fan-out author. */
  audience: number;
}

export interface TimelineSystem {
  web: string;
  /** Keep-alive connections to :8080 for the load loops. */
  http: Pool;
  redis: Redis;
  primary: pg.Pool;
  users: number;
  author: number;
  audience: number[];
  /** The `tiered up` process (root of every process of the system). */
  up: OwnedProcess;
  /** The local stack's folder (PostgreSQL's data is under it). */
  stackDir: string;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL('../../../../', import.meta.url));

export async function startTimelineSystem(ctx: BenchContext, size: TimelineSize): Promise<TimelineSystem> {
  const [redis, memcached, primaryPort, replica, web, platform, dbRead, dbWrite, admin] = await freePorts(9);
  const webBase = await freePortRun(2);
  const platformBase = await freePortRun(2);
  const file = join(ctx.tmpDir, 'tiered.yaml');
  chmodSync(ctx.tmpDir, 0o755); // PostgreSQL runs as its own user when we are root
  writeFileSync(file, [
    'stack:',
    `  dir: ${join(ctx.tmpDir, 'stack')}`,
    `  redis: { port: ${redis} }`,
    `  memcached: { count: 1, port: ${memcached}, memoryMb: 256 }`,
    `  postgres: { port: ${primaryPort}, replicaPort: ${replica} }`,
    'up:',
    `  listen: { web: "127.0.0.1:${web}", platform: "127.0.0.1:${platform}", dbRead: "127.0.0.1:${dbRead}", dbWrite: "127.0.0.1:${dbWrite}", admin: "127.0.0.1:${admin}" }`,
    `  ports: { web: ${webBase}, platform: ${platformBase} }`,
    `  seed: { users: ${size.users}, followsPerUser: ${size.followsPerUser}, posts: ${size.posts} }`,
    // the fan-out author (audience followers) stays under the celebrity threshold
    `  options: { celebrityFollowers: ${Math.max(5000, size.audience * 2)} }`,
    '',
  ].join('\n'));
  ctx.log(`tiered up (${size.users} users × ${size.followsPerUser} follows, ${size.posts} posts)`);
  const up = startProcess('tiered-up', process.execPath, ['--import', 'tsx', join(root, 'ops/cli.ts'), 'up', '-c', file], {
    logDir: ctx.tmpDir, cwd: root, env: { ...process.env, TIERED_LOG_LEVEL: 'info' }, // tiered up reads its children's info lines (listening, ready)
  });
  const parts: { http?: Pool; redis?: Redis; primary?: pg.Pool } = {};
  const stop = async () => {
    await parts.http?.close().catch(() => {});
    parts.redis?.disconnect();
    await parts.primary?.end().catch(() => {});
    // SIGINT: tiered up stops its children and the stack itself (SIGKILL after 60 s).
    if (up.isRunning()) {
      process.kill(up.pid, 'SIGINT');
      const timer = setTimeout(() => up.stop(0), 60_000);
      await up.exited;
      clearTimeout(timer);
    }
  };
  try {
    const deadline = Date.now() + 600_000;
    while (!readFileSync(up.logFile, 'utf8').includes('Tiered is up')) {
      if (!up.isRunning() || Date.now() > deadline) throw new Error(`tiered up did not come up:\n${logTail(up, 30)}`);
      if (ctx.signal.aborted) throw new Error('aborted');
      await new Promise((r) => setTimeout(r, 200));
    }
    parts.http = new Pool(`http://127.0.0.1:${web}`, { connections: 64, pipelining: 1 });
    parts.redis = new Redis(`redis://127.0.0.1:${redis}`, { maxRetriesPerRequest: 2 });
    parts.redis.on('error', () => {});
    parts.primary = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`, max: 4 });
    parts.primary.on('error', () => {});
    const { author, audience } = await fanoutAuthor(parts.primary, size);
    const system: TimelineSystem = {
      web: `http://127.0.0.1:${web}`, http: parts.http, redis: parts.redis, primary: parts.primary,
      users: size.users, author, audience, up, stop, stackDir: join(ctx.tmpDir, 'stack'),
    };
    await warmTimelines(ctx, system);
    return system;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A new user followed by the first `audience` seeded users (straight into the primary: data preparation). */
async function fanoutAuthor(db: pg.Pool, size: TimelineSize): Promise<{ author: number; audience: number[] }> {
  const { rows } = await db.query<{ id: number }>("INSERT INTO demo_users (handle, name, bio) VALUES ('bench_author', 'Bench Author', 'posts for the fan-out scenario') RETURNING id::int");
  const author = rows[0].id;
  const followers = await db.query<{ id: number }>('SELECT id::int FROM demo_users WHERE id <> $1 ORDER BY id LIMIT $2', [author, size.audience]);
  const audience = followers.rows.map((r) => r.id);
  await db.query('INSERT INTO demo_follows (follower_id, followee_id) SELECT f, $1 FROM unnest($2::bigint[]) f ON CONFLICT DO NOTHING', [author, audience]);
  await db.query('UPDATE demo_users SET followers = (SELECT count(*) FROM demo_follows WHERE followee_id = $1) WHERE id = $1', [author]);
  await db.query('UPDATE demo_users SET following = following + 1 WHERE id = ANY($1::bigint[])', [audience]);
  return { author, audience };
}

/** Reads every user's home timeline once (32 at a time): lists built, posts and profiles cached. */
async function warmTimelines(ctx: BenchContext, system: TimelineSystem): Promise<void> {
  const started = performance.now();
  let next = 1;
  let failed = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next <= system.users && !ctx.signal.aborted) {
      const id = next++;
      const ok = await get(system, `/api/users/${id}/home`).catch(() => false);
      if (!ok) failed++;
    }
  }));
  ctx.log(`warmed ${system.users} home timelines in ${((performance.now() - started) / 1000).toFixed(1)} s${failed ? ` (${failed} failed)` : ''}`);
}

/** One GET through :8080; true for a 200 (the body is read and dropped). */
export async function get(system: TimelineSystem, path: string): Promise<boolean> {
  const res = await system.http.request({ method: 'GET', path, headersTimeout: 10_000, bodyTimeout: 10_000 });
  await res.body.dump();
  return res.statusCode === 200;
}

/** A post through :8080 (a command): its id and when the answer (the commit) arrived. */
export async function post(system: TimelineSystem, author: number, body: string): Promise<{ id: number; committedAt: number } | undefined> {
  const res = await system.http.request({
    method: 'POST', path: `/api/users/${author}/posts`, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body }), headersTimeout: 10_000, bodyTimeout: 10_000,
  });
  const committedAt = performance.now();
  const json = (await res.body.json()) as { id?: number };
  return res.statusCode === 201 && typeof json.id === 'number' ? { id: json.id, committedAt } : undefined;
}

/** A role per process of the system, from its command line (children count as their parent's role). */
export function processRoles(rootPid: number, stackDir: string): Map<number, string> {
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {} // exited meanwhile
  }
  const roleOf = (command: string): string | undefined => {
    if (/\bpostgres\b/.test(command)) return 'postgres';
    if (/memcached/.test(command)) return 'memcached';
    if (/redis-server/.test(command)) return 'redis';
    // `tiered up` starts its services as `<node> <bin/tiered.js> <command> …`
    const service = /(?:cli\.ts|tiered\.js|bin\/tiered) (gateway|platform|demo web|worker|cache relay)\b/.exec(command)?.[1];
    if (service) return { 'demo web': 'web', 'cache relay': 'relay' }[service] ?? service;
    return undefined;
  };
  const roles = new Map<number, string>();
  const resolve = (pid: number): string | undefined => {
    if (roles.has(pid)) return roles.get(pid);
    if (pid === rootPid) return 'up';
    const own = roleOf(cmd.get(pid) ?? '');
    const ppid = parent.get(pid);
    const inherited = own ?? (ppid && ppid !== pid ? resolve(ppid) : undefined);
    if (inherited) roles.set(pid, inherited);
    return inherited;
  };
  for (const pid of cmd.keys()) resolve(pid);
  // Ours: processes under the root (tiered up), and PostgreSQL (pg_ctl detaches it) from its data folder.
  const ours = new Map<number, string>();
  for (const [pid, role] of roles) {
    let p: number | undefined = pid;
    while (p && p !== rootPid && p !== 1 && !(cmd.get(p) ?? '').includes(stackDir)) p = parent.get(p);
    if (p && p !== 1) ours.set(pid, role);
  }
  return ours;
}
