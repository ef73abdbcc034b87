// `tiered bench sdk`: the smart clients side by side, in the process that uses them.
//   slow-host: open model at --rate; 3 hosts of 1 ms, one of them 20× slower (and 10% of its
//              answers 100×): round robin vs P2C vs P2C-EWMA, each alone and + hedging (hedging's
//              own effect per balancer), with the all-healthy P2C-EWMA as the baseline; extra
//              requests and the slow host's share.
//   heavy-tail: open model at --rate; 3 hosts of 1 ms, each answering 1% of requests after
//              50–100 ms, at random: no balancer can avoid that tail, only hedging can cut it.
//              P2C-EWMA alone (baseline) vs P2C-EWMA + hedging.
//   overhead:  closed model, 3 instant hosts: bare undici Pools (round robin by hand) vs the
//              Tiered client (P2C-EWMA, outlier detection, retry budget) → throughput ratio.
//   ryw:       write-then-read pairs in sessions on a real primary + streaming replica: reads on
//              the replica (stale reads), on the primary (none, but no replica), and Tiered's
//              read-your-writes (stale reads must be 0) with the share still served by the replica.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Pool } from 'undici';
import { freePorts } from '../../../../ops/stack/net.js';
import { createDbClient, createHttpClient, type HttpClientOptions } from '../../../../sdk/index.js';
import { startNodeScript, waitUntilListening, type OwnedProcess } from '../../process.js';
import { startStack, type BenchStack } from '../../stack.js';
import { defineScenario, defineSuite, type Peer, type Sample } from '../../suite.js';
import { closedLoop, openLoop } from './loops.js';

const BACKEND = fileURLToPath(new URL('./backend.ts', import.meta.url));

interface SdkEnv {
  backend: OwnedProcess;
  healthy: string[];
  withSlow: string[];
  slow: string;
  heavy: string[];
  instant: string[];
  stack?: BenchStack;
}

interface ClientTarget {
  call(): Promise<boolean>;
  hostRequests(): Map<string, number>;
  slow?: string;
}

function clientPeer(name: string, hosts: string[], options: Partial<HttpClientOptions>, slow?: string): Peer<ClientTarget> {
  const describe = `createHttpClient(${JSON.stringify({ balance: options.balance, hedge: options.hedge })})`;
  return {
    name,
    description: describe,
    async start() {
      const client = createHttpClient({ hosts, name, ...options });
      return {
        target: {
          async call() {
            const res = await client.get('/');
            await res.dump();
            return res.status === 200;
          },
          hostRequests: () => new Map(client.hosts().map((h) => [h.host, h.requests])),
          slow,
        },
        pids: [],
        stop: () => client.close(),
      };
    },
  };
}

async function measureSlowHost(target: ClientTarget, rate: number, durationMs: number, signal: AbortSignal): Promise<Sample> {
  const before = target.hostRequests();
  const sample = await openLoop(rate, durationMs, () => target.call(), signal);
  const after = target.hostRequests();
  let sent = 0;
  let slow = 0;
  for (const [host, n] of after) {
    const delta = n - (before.get(host) ?? 0);
    sent += delta;
    if (host === target.slow) slow = delta;
  }
  const requests = sample.operations + (sample.errors ?? 0);
  return { ...sample, extra: { extraPct: requests ? ((sent - requests) / requests) * 100 : 0, slowSharePct: sent ? (slow / sent) * 100 : 0 } };
}

interface RywTarget {
  pair(): Promise<{ stale: boolean; replica: boolean }>;
}

function rywPeer(name: string, description: string, make: (env: Required<Pick<SdkEnv, 'stack'>>) => { pair: RywTarget['pair']; close(): Promise<void> }, env: SdkEnv): Peer<RywTarget> {
  return {
    name,
    description,
    async start() {
      const made = make({ stack: env.stack! });
      return { target: { pair: made.pair }, pids: [], stop: made.close };
    },
  };
}

// The ephemeral stack runs synchronous_commit=off for speed; the writers here use PostgreSQL's default (on).
const writeConfig = (stack: BenchStack): pg.PoolConfig => ({ connectionString: stack.postgres.primary.url, options: '-c synchronous_commit=on', max: 8 });
const INSERT = 'INSERT INTO ryw (v) VALUES (1) RETURNING id';
const SELECT = 'SELECT v, pg_is_in_recovery() AS replica FROM ryw WHERE id = $1';

export default defineSuite<SdkEnv>({
  name: 'sdk',
  title: 'smart clients: balancing under a slow host, client overhead, read-your-writes',
  async setup(ctx) {
    const [t0, t1, t2, t3, slow, f0, f1, f2, h0, h1, h2] = await freePorts(11);
    const spec = [
      `${t0}:1`, `${t1}:1`, `${t2}:1`, `${t3}:1`, `${slow}:20:0.1:100`, `${f0}:0`, `${f1}:0`, `${f2}:0`,
      `${h0}:1:0.01:50-100`, `${h1}:1:0.01:50-100`, `${h2}:1:0.01:50-100`,
    ].join(',');
    const backend = startNodeScript('sdk-backends', BACKEND, [spec], { logDir: ctx.tmpDir });
    await waitUntilListening(backend, [t0, t1, t2, t3, slow, f0, f1, f2, h0, h1, h2]);
    const url = (p: number) => `http://127.0.0.1:${p}`;
    let stack: BenchStack | undefined;
    try {
      stack = await startStack({ postgres: true, replica: true });
      const admin = new pg.Client({ connectionString: stack.postgres.primary.url });
      await admin.connect();
      await admin.query('CREATE TABLE ryw (id bigserial PRIMARY KEY, v int NOT NULL)');
      await admin.end();
    } catch (error) {
      ctx.log(`sdk bench: PostgreSQL stack unavailable, ryw scenario skipped (${(error as Error).message})`);
      await stack?.stop();
      stack = undefined;
    }
    return {
      backend, stack, slow: url(slow),
      healthy: [url(t0), url(t1), url(t2)],
      withSlow: [url(t0), url(t3), url(slow)],
      instant: [url(f0), url(f1), url(f2)],
      heavy: [url(h0), url(h1), url(h2)],
    };
  },
  async teardown(env) {
    await env.backend.stop();
    await env.stack?.stop();
  },
  scenarios(env, ctx) {
    const rate = ctx.quick ? Math.min(ctx.options.rate, 300) : ctx.options.rate;
    const hedge = { percentile: 95, maxExtra: 0.05 };
    const scenarios = [
      defineScenario<ClientTarget>({
        name: 'slow-host',
        title: `open model at ${rate} req/s, 3 hosts of 1 ms, one 20× slower (10% of its answers 100×)`,
        unit: 'req',
        model: 'custom',
        peers: [
          clientPeer('all-healthy p2c-ewma', env.healthy, { balance: 'p2c-ewma' }),
          clientPeer('roundrobin', env.withSlow, { balance: 'roundrobin' }, env.slow),
          clientPeer('roundrobin + hedge', env.withSlow, { balance: 'roundrobin', hedge }, env.slow),
          clientPeer('random (p2c)', env.withSlow, { balance: 'random' }, env.slow),
          clientPeer('random (p2c) + hedge', env.withSlow, { balance: 'random', hedge }, env.slow),
          clientPeer('p2c-ewma', env.withSlow, { balance: 'p2c-ewma' }, env.slow),
          clientPeer('p2c-ewma + hedge', env.withSlow, { balance: 'p2c-ewma', hedge }, env.slow),
        ],
        subject: 'p2c-ewma + hedge',
        baseline: 'all-healthy p2c-ewma',
        compare: ['p50', 'p99', 'p999'],
        extraColumns: [{ key: 'extraPct', label: 'extra req %', digits: 2 }, { key: 'slowSharePct', label: 'slow host %', digits: 1 }],
        measure: (target, run) => measureSlowHost(target, rate, run.durationMs, run.ctx.signal),
      }),
      defineScenario<ClientTarget>({
        name: 'heavy-tail',
        title: `open model at ${rate} req/s, 3 hosts of 1 ms, each answering 1% of requests after 50–100 ms at random`,
        unit: 'req',
        model: 'custom',
        peers: [
          clientPeer('p2c-ewma', env.heavy, { balance: 'p2c-ewma' }),
          clientPeer('p2c-ewma + hedge', env.heavy, { balance: 'p2c-ewma', hedge }),
        ],
        subject: 'p2c-ewma + hedge',
        baseline: 'p2c-ewma',
        compare: ['p50', 'p99', 'p999'],
        extraColumns: [{ key: 'extraPct', label: 'extra req %', digits: 2 }],
        measure: (target, run) => measureSlowHost(target, rate, run.durationMs, run.ctx.signal),
      }),
      defineScenario<ClientTarget>({
        name: 'overhead',
        title: `closed model, ${ctx.options.connections} concurrent requests, 3 instant hosts`,
        unit: 'req',
        model: 'closed',
        peers: [
          {
            name: 'bare undici',
            description: 'three undici Pools, round robin by hand, no health, no retries',
            async start() {
              const pools = env.instant.map((h) => new Pool(h, { pipelining: 1 }));
              let next = 0;
              return {
                target: {
                  async call() {
                    const res = await pools[next++ % pools.length].request({ path: '/', method: 'GET' });
                    await res.body.dump();
                    return res.statusCode === 200;
                  },
                  hostRequests: () => new Map(),
                },
                pids: [],
                stop: async () => { await Promise.all(pools.map((p) => p.close())); },
              };
            },
          },
          clientPeer('tiered', env.instant, { balance: 'p2c-ewma' }),
        ],
        subject: 'tiered',
        baseline: 'bare undici',
        compare: ['rate', 'p99', 'cpu'],
        measure: (target, run) => closedLoop(ctx.options.connections, run.durationMs, () => target.call(), run.ctx.signal),
      }),
    ];
    if (!env.stack) return scenarios;
    const pairs = (pair: RywTarget['pair']) => pair;
    return [
      ...scenarios,
      defineScenario<RywTarget>({
        name: 'ryw',
        title: 'write-then-read pairs, 8 sessions, primary + streaming replica (synchronous_commit=on)',
        unit: 'pair',
        model: 'custom',
        peers: [
          rywPeer('replica reads', 'write on the primary, read on the replica (pg Pools)', ({ stack }) => {
            const w = new pg.Pool(writeConfig(stack));
            const r = new pg.Pool({ connectionString: stack.postgres.replica!.url, max: 8 });
            return {
              pair: pairs(async () => {
                const id = (await w.query(INSERT)).rows[0].id;
                const read = await r.query(SELECT, [id]);
                return { stale: read.rowCount === 0, replica: true };
              }),
              close: async () => { await Promise.all([w.end(), r.end()]); },
            };
          }, env),
          rywPeer('primary reads', 'write and read on the primary', ({ stack }) => {
            const w = new pg.Pool(writeConfig(stack));
            return {
              pair: pairs(async () => {
                const id = (await w.query(INSERT)).rows[0].id;
                const read = await w.query(SELECT, [id]);
                return { stale: read.rowCount === 0, replica: false };
              }),
              close: () => w.end(),
            };
          }, env),
          rywPeer('tiered', 'createDbClient: read-your-writes by LSN, 100 ms replica wait, fallback to the primary', ({ stack }) => {
            const db = createDbClient({ read: { connectionString: stack.postgres.replica!.url, max: 8 }, write: writeConfig(stack) });
            return {
              pair: pairs(async () => {
                const session = db.session();
                const id = (await db.write(INSERT, [], { session })).rows[0].id;
                const read = await db.read(SELECT, [id], { session });
                return { stale: read.rowCount === 0, replica: read.rows[0]?.replica === true };
              }),
              close: () => db.close(),
            };
          }, env),
        ],
        subject: 'tiered',
        baseline: 'primary reads',
        compare: ['rate', 'p99'],
        extraColumns: [{ key: 'stale', label: 'stale reads', digits: 0 }, { key: 'replicaPct', label: 'on replica %', digits: 1 }],
        async measure(target, run) {
          let stale = 0;
          let onReplica = 0;
          let total = 0;
          const sample = await closedLoop(8, run.durationMs, async () => {
            const r = await target.pair();
            total++;
            if (r.stale) stale++;
            if (r.replica) onReplica++;
            return true; // a stale pair completed; it is counted in its own column
          }, run.ctx.signal);
          return { ...sample, extra: { stale, replicaPct: total ? (onReplica / total) * 100 : 0 } };
        },
      }),
    ];
  },
});
