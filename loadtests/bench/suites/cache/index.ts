// `tiered bench cache`: the cache tier side by side with its peers in one run.
//   hit-latency-memcached / -redis: p50/p99 of a cache hit at a fixed rate (open model):
//     raw memjs / ioredis GET (the floor) vs Tiered getOrLoad (L1 off) vs bentocache (L2 only).
//   l1-hit: in-process hits, closed loop: bare lru-cache vs Tiered L1 vs bentocache L1.
//   getorload-redis: Zipf reads of 10,000 keys, L1 of 1,000 + Redis L2 + bus: Tiered vs bentocache.
//   stampede: 4 processes × N concurrent readers of a cold key: origin calls per expiry.
//   zipf-hit-ratio: Zipf(0.99) over 100,000 keys, cache of 10%: hit ratio (+ an SVG curve).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, type BenchStack } from '../../stack.js';
import { encodeHistogram, newLatencyHistogram } from '../../stats.js';
import { defineScenario, defineSuite, type BenchContext, type Peer, type Sample } from '../../suite.js';
import { fileStamp } from '../../report/write.js';
import { bentoClient, ioredisClient, lruClient, memjsClient, tieredClient, type BenchClient } from './clients.js';
import { closedLoop, openLoop, type LoopResult } from './loops.js';
import { renderHitRatioSvg } from './plot.js';
import { runStampede } from './stampede.js';
import { idealHitRatio, zipfSampler } from './zipf.js';

interface CacheEnv {
  stack: BenchStack;
  memcached: string[];
  redisUrl: string;
}

const ZIPF_KEYS = 100_000;
const ZIPF_S = 0.99;

function clientPeer(name: string, description: string, make: () => BenchClient | Promise<BenchClient>): Peer<BenchClient> {
  return {
    name,
    description,
    async start() {
      const client = await make();
      return { target: client, pids: [], stop: () => client.close() };
    },
  };
}

const sample = (r: LoopResult, histogram: ReturnType<typeof newLatencyHistogram>, extra?: Record<string, number>): Sample => ({
  operations: r.operations, errors: r.errors, elapsedMs: r.elapsedMs, cpuSeconds: r.cpuSeconds, histogram: encodeHistogram(histogram), extra,
});

let run = 0;

function zipfMeasure(requests: number, keys: number, seed?: number) {
  return async (client: BenchClient): Promise<Sample> => {
    const next = zipfSampler(keys, ZIPF_S, seed ?? 1000 + ++run);
    for (let i = 0; i < requests; i++) await client.get(`z${next()}`); // warm phase, not counted
    const before = client.originCalls;
    const histogram = newLatencyHistogram();
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      await client.get(`z${next()}`);
      histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    }
    const used = process.cpuUsage(cpu);
    const misses = client.originCalls - before;
    return {
      operations: requests, elapsedMs: performance.now() - started, cpuSeconds: (used.user + used.system) / 1e6,
      histogram: encodeHistogram(histogram), extra: { hitRatio: 1 - misses / requests },
    };
  };
}

/** A cache that never evicts: only first requests miss. */
function unboundedClient(): BenchClient {
  const seen = new Set<string>();
  let misses = 0;
  return {
    async get(key) {
      if (!seen.has(key)) {
        misses++;
        seen.add(key);
      }
      return key;
    },
    get originCalls() {
      return misses;
    },
    close: async () => {},
  };
}

/** The ideal static cache: the k most popular keys always cached. */
function idealClient(k: number): BenchClient {
  let misses = 0;
  return {
    async get(key) {
      if (Number(key.slice(1)) >= k) misses++;
      return key;
    },
    get originCalls() {
      return misses;
    },
    close: async () => {},
  };
}

async function writeHitRatioPlot(ctx: BenchContext): Promise<string> {
  const sizes = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5];
  const requests = ctx.quick ? 20_000 : 200_000;
  const measured = [];
  for (const size of sizes) {
    const entries = Math.round(ZIPF_KEYS * size);
    const client = tieredClient({ store: { memory: { maxEntries: entries } }, l1: false, namespace: 'zipf' });
    const s = await zipfMeasure(requests, ZIPF_KEYS, 99)(client);
    await client.close();
    measured.push({ size, hitRatio: s.extra!.hitRatio });
  }
  // Any demand-filled cache misses a key's first request: an unbounded cache on the same
  // request stream is the ceiling for this run length (the ideal static cache is pre-filled).
  const unbounded = await zipfMeasure(requests, ZIPF_KEYS, 99)(unboundedClient());
  const svg = renderHitRatioSvg(`Zipf(${ZIPF_S}) over ${ZIPF_KEYS.toLocaleString('en')} keys, ${requests.toLocaleString('en')} reads after as many warm-up reads`, [
    { name: 'Tiered (LRU store, measured)', points: measured },
    { name: 'unbounded cache, same reads (first-request misses only)', points: sizes.map((size) => ({ size, hitRatio: unbounded.extra!.hitRatio })), dashed: true },
    { name: 'ideal static top-k', points: sizes.map((size) => ({ size, hitRatio: idealHitRatio(ZIPF_KEYS, Math.round(ZIPF_KEYS * size), ZIPF_S) })), dashed: true },
  ]);
  const dir = fileURLToPath(new URL('../../../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `cache-zipf-hit-ratio-${fileStamp(new Date().toISOString())}.svg`);
  writeFileSync(file, svg);
  return `${file} (${measured.map((p) => `${p.size * 100}%: ${(p.hitRatio * 100).toFixed(1)}%`).join(', ')}; unbounded ${(unbounded.extra!.hitRatio * 100).toFixed(1)}%)`;
}

export default defineSuite<CacheEnv>({
  name: 'cache',
  title: 'cache tier: Tiered vs raw memjs/ioredis/lru-cache and bentocache',
  requires: ['redis-server', 'memcached'],
  async setup(ctx) {
    ctx.log('starting Redis and 2 memcached');
    const stack = await startStack({ redis: true, memcached: 2 });
    return { stack, memcached: stack.memcached.map((m) => m.address), redisUrl: stack.redis.url };
  },
  async teardown(env, ctx) {
    try {
      ctx.log(`hit-ratio curve: ${await writeHitRatioPlot(ctx)}`);
    } finally {
      await env.stack.stop();
    }
  },
  scenarios(env, ctx) {
    const rate = ctx.options.rate;
    const hot = Array.from({ length: 100 }, (_, i) => `hot:${i}`);
    const openHits = async (client: BenchClient, run: { durationMs: number }) => {
      for (const key of hot) await client.get(key);
      const h = newLatencyHistogram();
      return sample(await openLoop(rate, run.durationMs, (i) => client.get(hot[i % hot.length]), h), h);
    };
    const closedHits = (concurrency: number) => async (client: BenchClient, run: { durationMs: number }) => {
      for (const key of hot) await client.get(key);
      const h = newLatencyHistogram();
      return sample(await closedLoop(concurrency, run.durationMs, (i) => client.get(hot[i % hot.length]), h), h);
    };
    const readers = ctx.quick ? 250 : 2500;
    const zipfRequests = ctx.quick ? 20_000 : 200_000;
    return [
      defineScenario<BenchClient>({
        name: 'hit-latency-memcached',
        title: `cache hit through memcached at ${rate} op/s (open model), L1 off`,
        unit: 'op',
        model: 'open',
        peers: [
          clientPeer('memjs', 'raw memjs GET + JSON.parse (one server)', () => memjsClient(env.memcached[0])),
          clientPeer('tiered', 'Tiered getOrLoad, memcached ring over 2 servers, L1 off', () => tieredClient({ store: { memcached: env.memcached }, l1: false, namespace: 'bench-mc' })),
        ],
        subject: 'tiered',
        baseline: 'memjs',
        compare: ['p50', 'p99', 'cpu'],
        measure: openHits,
      }),
      defineScenario<BenchClient>({
        name: 'hit-latency-redis',
        title: `cache hit through Redis at ${rate} op/s (open model), L1 off`,
        unit: 'op',
        model: 'open',
        peers: [
          clientPeer('ioredis', 'raw ioredis GET + JSON.parse', () => ioredisClient(env.redisUrl)),
          clientPeer('tiered', 'Tiered getOrLoad on Redis, L1 off', () => tieredClient({ store: { redis: env.redisUrl }, l1: false, namespace: 'bench-rd' })),
          clientPeer('bentocache', 'bentocache getOrSet, Redis L2 only', () => bentoClient({ redisUrl: env.redisUrl })),
        ],
        subject: 'tiered',
        baseline: 'ioredis',
        compare: ['p50', 'p99', 'cpu'],
        measure: openHits,
      }),
      defineScenario<BenchClient>({
        name: 'l1-hit',
        title: 'in-process hits, 16 concurrent callers (closed loop)',
        unit: 'op',
        model: 'closed',
        peers: [
          clientPeer('lru-cache', 'bare lru-cache get', () => lruClient()),
          clientPeer('tiered', 'Tiered getOrLoad, L1 hit (memory store behind)', () => tieredClient({ store: 'memory', l1: { maxEntries: 10_000 }, namespace: 'bench-l1' })),
          clientPeer('bentocache', 'bentocache getOrSet, memory L1 hit', () => bentoClient({ l1MaxItems: 10_000 })),
        ],
        subject: 'tiered',
        baseline: 'lru-cache',
        compare: ['rate', 'cpu'],
        measure: closedHits(16),
      }),
      defineScenario<BenchClient>({
        name: 'getorload-redis',
        title: 'Zipf(0.99) reads over 10,000 keys, memory L1 of 1,000 + Redis L2 + Redis bus, 32 concurrent callers',
        unit: 'op',
        model: 'closed',
        peers: [
          clientPeer('tiered', 'Tiered: L1 1,000 entries, Redis store, Redis bus', () => tieredClient({ store: { redis: env.redisUrl }, l1: { maxEntries: 1000 }, bus: { redis: env.redisUrl }, namespace: 'bench-gol' })),
          clientPeer('bentocache', 'bentocache: memory L1 1,000 items, Redis L2, Redis bus', () => bentoClient({ redisUrl: env.redisUrl, l1MaxItems: 1000, bus: true })),
        ],
        subject: 'tiered',
        compare: ['rate', 'p99', 'cpu'],
        async measure(client, { durationMs }) {
          const next = zipfSampler(10_000, ZIPF_S, 7 + ++run);
          const h = newLatencyHistogram();
          return sample(await closedLoop(32, durationMs, () => client.get(`g${next()}`), h), h);
        },
      }),
      defineScenario<{ library: 'tiered' | 'bentocache' }>({
        name: 'stampede',
        title: `cold key, 4 processes × ${readers} concurrent readers, origin takes 500 ms: origin calls per expiry`,
        unit: 'read',
        model: 'custom',
        warmupMs: 0,
        peers: [
          { name: 'tiered', description: 'Tiered getOrLoad on Redis: single-flight + lease across processes', start: async () => ({ target: { library: 'tiered' }, pids: [], stop: async () => {} }) },
          { name: 'bentocache', description: 'bentocache getOrSet, memory L1 + Redis L2 (per-process stampede protection)', start: async () => ({ target: { library: 'bentocache' }, pids: [], stop: async () => {} }) },
        ],
        subject: 'tiered',
        compare: ['originCalls'],
        extraColumns: [{ key: 'originCalls', label: 'origin calls/expiry', digits: 1 }],
        async measure(target) {
          const result = await runStampede(4, {
            redisUrl: env.redisUrl, library: target.library,
            key: `stampede:${target.library}:${Date.now()}:${++run}`, readers, loadMs: 500,
          });
          return { operations: 4 * readers, elapsedMs: result.ms, extra: { originCalls: result.calls }, notes: { perProcess: result.perChild.join(',') } };
        },
      }),
      defineScenario<BenchClient>({
        name: 'zipf-hit-ratio',
        title: `Zipf(${ZIPF_S}) over ${ZIPF_KEYS.toLocaleString('en')} keys, cache holds 10% (${ZIPF_KEYS / 10} entries), ${zipfRequests.toLocaleString('en')} reads after as many warm-up reads`,
        unit: 'read',
        model: 'custom',
        warmupMs: 0,
        peers: [
          clientPeer('tiered', 'Tiered getOrLoad on an LRU memory store of 10,000 entries, L1 off', () => tieredClient({ store: { memory: { maxEntries: ZIPF_KEYS / 10 } }, l1: false, namespace: 'zipf' })),
          clientPeer('bentocache', 'bentocache getOrSet, memory L1 of 10,000 items', () => bentoClient({ l1MaxItems: ZIPF_KEYS / 10 })),
          clientPeer('ideal', `the ideal static cache of the top 10% keys (analytic ${(idealHitRatio(ZIPF_KEYS, ZIPF_KEYS / 10, ZIPF_S) * 100).toFixed(1)}%)`, () => idealClient(ZIPF_KEYS / 10)),
        ],
        subject: 'tiered',
        compare: ['hitRatio'],
        extraColumns: [{ key: 'hitRatio', label: 'hit ratio', digits: 3 }],
        measure: (client) => zipfMeasure(zipfRequests, ZIPF_KEYS)(client),
      }),
    ];
  },
});
