// `tiered bench timeline`: the timeline demo end to end, started through the CLI (`tiered up`),
// every request through the gateway's :8080 → web tier → :9000 → platform, over random users.
//   throughput:  closed model (--connections): the cached, fanned-out home timeline
//                (/api/users/:id/home) vs the same page joined in PostgreSQL on the replica on
//                every request (/api/users/:id/home-uncached). Targets: ≥ 10× req/s, ≤ 1/10 p99.
//   latency:     open model at a rate the join sustains (100 req/s; quick 50): p99 of each.
//   fanout:      while reads run, a user with `audience` followers posts; time from the commit
//                (the 201) until the post id is in every follower's home list (Redis). Target ≤ 1 s p99.
//   under-writes: home reads at a fixed rate, alone vs with 100 posts/s by random users being
//                fanned out. Target: p99 with writes ≤ 1.5× the read-only p99.
// Every scenario also reports CPU µs per request per process role (gateway, web, platform,
// PostgreSQL, memcached + Redis, worker) so users can size machines.
import { newLatencyHistogram, encodeHistogram } from '../../stats.js';
import { defineScenario, defineSuite, type BenchContext, type ExtraColumn, type Peer, type Sample } from '../../suite.js';
import { closedLoop, openLoop } from '../sdk/loops.js';
import { get, post, processRoles, startTimelineSystem, type TimelineSize, type TimelineSystem } from './system.js';
import { parseProcStat, ticksPerSecond } from '../../cpu.js';
import { readFileSync } from 'node:fs';

const FULL: TimelineSize = { users: 10_000, followsPerUser: 50, posts: 100_000, audience: 1000 };
const QUICK: TimelineSize = { users: 1000, followsPerUser: 20, posts: 10_000, audience: 200 };
const ROLES = ['gateway', 'web', 'platform', 'postgres', 'cache', 'worker'] as const;
const roleColumns: ExtraColumn[] = ROLES.map((r) => ({ key: `cpu_${r}`, label: `${r} µs/req`, digits: 0 }));

/** CPU seconds so far per role (memcached and Redis together as `cache`). */
function cpuByRole(system: TimelineSystem): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, role] of processRoles(system.up.pid, system.stackDir)) {
    const key = role === 'memcached' || role === 'redis' ? 'cache' : role;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (stat) out[key] = (out[key] ?? 0) + stat.ticks / ticksPerSecond();
    } catch {} // exited meanwhile
  }
  return out;
}

/** Runs `load` and adds CPU per request per role (µs) and the whole system's CPU to its sample. */
async function withCpu(system: TimelineSystem, load: () => Promise<Sample>, requests?: (s: Sample) => number): Promise<Sample> {
  const before = cpuByRole(system);
  const sample = await load();
  const after = cpuByRole(system);
  const n = Math.max(1, requests ? requests(sample) : sample.operations);
  const extra: Record<string, number> = { ...sample.extra };
  let total = 0;
  for (const role of ROLES) {
    const used = Math.max(0, (after[role] ?? 0) - (before[role] ?? 0));
    total += used;
    extra[`cpu_${role}`] = (used * 1e6) / n;
  }
  // The load generator runs in this process: not the system's CPU.
  return { ...sample, extra, cpuSeconds: total };
}

const randomUser = (system: TimelineSystem) => 1 + Math.floor(Math.random() * system.users);

interface HomeTarget {
  system: TimelineSystem;
  path: (user: number) => string;
}

function homePeers(system: TimelineSystem): Peer<HomeTarget>[] {
  const peer = (name: string, description: string, path: (user: number) => string): Peer<HomeTarget> => ({
    name, description, start: async () => ({ target: { system, path }, pids: [], stop: async () => {} }),
  });
  return [
    peer('cached', 'fanned-out list in Redis + posts and profiles through the cache tier (getMany), via :8080 → web → :9000 → platform', (u) => `/api/users/${u}/home`),
    peer('join', 'the same page joined in PostgreSQL (follows ⋈ posts ⋈ users) on the replica on every request, same path through :8080', (u) => `/api/users/${u}/home-uncached`),
  ];
}

/** Posts the author's post and waits until its id is in every follower's list; ms from the commit. */
async function fanoutOnce(system: TimelineSystem, n: number, signal: AbortSignal): Promise<{ ms: number; shown: boolean } | undefined> {
  const created = await post(system, system.author, `fan-out ${n} #bench`);
  if (!created) return undefined;
  const keys = system.audience.map((f) => `demo:tl:${f}`);
  const deadline = created.committedAt + 10_000;
  for (;;) {
    const pipeline = system.redis.pipeline();
    for (const key of keys) pipeline.lpos(key, String(created.id), 'MAXLEN', 50);
    const results = (await pipeline.exec()) ?? [];
    if (results.every(([error, pos]) => !error && pos !== null)) break;
    if (performance.now() > deadline || signal.aborted) return undefined;
    await new Promise((r) => setTimeout(r, 2));
  }
  const ms = performance.now() - created.committedAt;
  // …and a follower's page through :8080 shows it.
  const follower = system.audience[Math.floor(Math.random() * system.audience.length)];
  const res = await system.http.request({ method: 'GET', path: `/api/users/${follower}/home` });
  const body = await res.body.text();
  return { ms, shown: body.includes(`"id":${created.id},`) };
}

export default defineSuite<TimelineSystem>({
  name: 'timeline',
  title: 'timeline demo through tiered up: cached fan-out home timeline vs the SQL join',
  requires: ['postgres', 'redis-server', 'memcached'],
  setup: (ctx) => startTimelineSystem(ctx, ctx.quick ? QUICK : FULL),
  teardown: (system) => system.stop(),
  scenarios(system: TimelineSystem, ctx: BenchContext) {
    const connections = ctx.options.connections;
    const latencyRate = ctx.quick ? 50 : 100;
    const readRate = ctx.quick ? 100 : 200;
    const postRate = ctx.quick ? 50 : 100;
    const homeCall = (t: HomeTarget) => () => get(t.system, t.path(randomUser(t.system)));
    return [
      defineScenario<HomeTarget>({
        name: 'throughput',
        title: `home timeline of random users, closed model, ${connections} connections, through :8080`,
        unit: 'req', model: 'closed', peers: homePeers(system), subject: 'cached',
        compare: ['rate', 'p99', 'cpu'], extraColumns: roleColumns,
        measure: (t, run) => withCpu(t.system, () => closedLoop(connections, run.durationMs, homeCall(t), ctx.signal)),
      }),
      defineScenario<HomeTarget>({
        name: 'latency',
        title: `home timeline of random users, open model at ${latencyRate} req/s (a rate the join sustains), through :8080`,
        unit: 'req', model: 'open', peers: homePeers(system), subject: 'cached',
        compare: ['p50', 'p99', 'cpu'], extraColumns: roleColumns,
        measure: (t, run) => withCpu(t.system, () => openLoop(latencyRate, run.durationMs, homeCall(t), ctx.signal)),
      }),
      defineScenario<TimelineSystem>({
        name: 'fanout',
        title: `a post by a user with ${system.audience.length} followers: commit → in every follower's home list, while 8 connections read home timelines`,
        unit: 'post', model: 'custom',
        peers: [{ name: 'cached', description: 'fan-out job on the worker (LPUSHX per follower, pipelined), post warmed in the cache', start: async () => ({ target: system, pids: [], stop: async () => {} }) }],
        extraColumns: [{ key: 'reads', label: 'reads/s', digits: 0 }, { key: 'notShown', label: 'not on page', digits: 0 }],
        measure: async (s, run) => {
          const histogram = newLatencyHistogram();
          let posts = 0;
          let failed = 0;
          let notShown = 0;
          const started = performance.now();
          const stopReads = new AbortController();
          const reads = closedLoop(8, run.durationMs + 60_000, () => get(s, `/api/users/${randomUser(s)}/home`), stopReads.signal);
          while (performance.now() - started < run.durationMs && !ctx.signal.aborted) {
            const one = await fanoutOnce(s, posts + failed, ctx.signal).catch(() => undefined);
            if (!one) failed++;
            else {
              posts++;
              histogram.recordValue(Math.max(1, Math.round(one.ms * 1000)));
              if (!one.shown) notShown++;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
          stopReads.abort();
          const read = await reads;
          const elapsedMs = performance.now() - started;
          return {
            operations: posts, errors: failed, elapsedMs, histogram: encodeHistogram(histogram),
            extra: { reads: (read.operations * 1000) / read.elapsedMs, notShown },
          };
        },
      }),
      defineScenario<{ system: TimelineSystem; writes: boolean }>({
        name: 'under-writes',
        title: `home timeline reads at ${readRate} req/s, alone vs while ${postRate} posts/s by random users are fanned out`,
        unit: 'req', model: 'open',
        peers: [
          { name: 'read-only', description: 'reads only', start: async () => ({ target: { system, writes: false }, pids: [], stop: async () => {} }) },
          { name: 'with-writes', description: `reads + ${postRate} posts/s through :8080 (each a command + a fan-out job)`, start: async () => ({ target: { system, writes: true }, pids: [], stop: async () => {} }) },
        ],
        subject: 'with-writes', baseline: 'read-only', compare: ['p50', 'p99'],
        extraColumns: [{ key: 'posts', label: 'posts/s', digits: 0 }, ...roleColumns],
        measure: async (t, run) => {
          let posted = 0;
          const writing = t.writes
            ? openLoop(postRate, run.durationMs, async () => {
              const ok = await post(t.system, randomUser(t.system), 'load #bench').catch(() => undefined);
              if (ok) posted++;
              return ok !== undefined;
            }, ctx.signal)
            : Promise.resolve(undefined);
          const sample = await withCpu(t.system, async () => {
            const [reads] = await Promise.all([openLoop(readRate, run.durationMs, () => get(t.system, `/api/users/${randomUser(t.system)}/home`), ctx.signal), writing]);
            return reads;
          });
          return { ...sample, extra: { ...sample.extra, posts: (posted * 1000) / sample.elapsedMs } };
        },
      }),
    ];
  },
});
