// `tiered bench queue`: raw BullMQ vs Tiered's queue layer, side by side on the same Redis,
// no-op jobs: bulk enqueue rate, processing rate at concurrency 1 and 16, and enqueue→start
// latency at a fixed 500 jobs/s (open model: latency counted from the intended send time).
// Both peers run in this process (client libraries); CPU is this process's time per sample.
import { defineScenario, defineSuite, type BenchContext, type Sample } from '../../suite.js';
import { encodeHistogram, newLatencyHistogram } from '../../stats.js';
import { startStack, type BenchStack } from '../../stack.js';
import { rawBullmq, tieredLayer, type Driver } from './drivers.js';

interface Env { stack: BenchStack }
interface Target { driver: Driver; name: string }

const nowMs = () => performance.timeOrigin + performance.now();
let round = 0;
const queueName = (scenario: string) => `bench-${scenario}-${process.pid}-${++round}`;

function peers(env: Env, peerPrefix: string) {
  const make = (name: 'bullmq' | 'tiered', description: string, factory: (url: string, prefix: string) => Driver) => ({
    name,
    description,
    async start() {
      const driver = factory(env.stack.redis.url, `${peerPrefix}-${name}`);
      return { target: { driver, name }, pids: [], stop: () => driver.close() };
    },
  });
  return [
    make('bullmq', 'bullmq Queue/Worker on ioredis, same job options (3 attempts, exponential backoff, retention)', rawBullmq),
    make('tiered', 'tiered/queue: defineJob + zod validation, Producer, WorkerGroup (metrics, tracing hooks)', tieredLayer),
  ];
}

async function timed(fn: () => Promise<{ operations: number; histogram?: ReturnType<typeof newLatencyHistogram> }>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { operations, histogram } = await fn();
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { operations, elapsedMs, cpuSeconds: (used.user + used.system) / 1e6, histogram: histogram ? encodeHistogram(histogram) : undefined };
}

/** Enqueue in batches of 500 for the run's duration. */
function enqueueScenario(env: Env) {
  return defineScenario<Target>({
    name: 'enqueue-bulk', title: 'bulk enqueue (batches of 500 no-op jobs)', unit: 'job', model: 'custom',
    peers: peers(env, 'eb'), subject: 'tiered', compare: ['rate', 'cpu'],
    async measure({ driver }, run) {
      const name = queueName('eb');
      const sample = await timed(async () => {
        let operations = 0;
        const end = performance.now() + run.durationMs;
        while (performance.now() < end) {
          await driver.enqueueBulk(name, Array.from({ length: 500 }, (_, i) => ({ t: i })));
          operations += 500;
        }
        return { operations };
      });
      await driver.drop(name);
      return sample;
    },
  });
}

/** Drain a pre-filled backlog with the given concurrency. */
function processScenario(env: Env, ctx: BenchContext, concurrency: number) {
  const total = ctx.quick ? (concurrency === 1 ? 500 : 2_000) : (concurrency === 1 ? 4_000 : 20_000);
  return defineScenario<Target>({
    name: `process-c${concurrency}`, title: `drain ${total} queued no-op jobs, concurrency ${concurrency}`, unit: 'job', model: 'custom',
    peers: peers(env, `p${concurrency}`), subject: 'tiered', compare: ['rate', 'cpu'],
    async measure({ driver }) {
      const name = queueName(`p${concurrency}`);
      for (let i = 0; i < total; i += 1_000) await driver.enqueueBulk(name, Array.from({ length: Math.min(1_000, total - i) }, () => ({ t: 0 })));
      let done = 0;
      let first = 0;
      let last = 0;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => { finish = resolve; });
      const cpu = process.cpuUsage();
      const workers = await driver.work(name, concurrency, () => {
        last = performance.now();
        if (done++ === 0) first = last;
        if (done === total) finish();
      });
      await finished;
      const used = process.cpuUsage(cpu);
      await workers.stop();
      // The drain rate from the first job's start to the last one's: worker start-up (connect,
      // Tiered's Redis check) is not part of the steady processing rate being compared.
      const sample: Sample = { operations: done - 1, elapsedMs: last - first, cpuSeconds: (used.user + used.system) / 1e6 };
      await driver.drop(name);
      return sample;
    },
  });
}

/** Open model: one job every 2 ms; latency = start time − intended enqueue time. */
function latencyScenario(env: Env) {
  const rate = 500;
  return defineScenario<Target>({
    name: 'latency-500', title: `enqueue→start at a fixed ${rate} jobs/s (concurrency 16)`, unit: 'job', model: 'open',
    peers: peers(env, 'lat'), subject: 'tiered', compare: ['p50', 'p99'],
    async measure({ driver }, run) {
      const name = queueName('lat');
      const histogram = newLatencyHistogram();
      let started = 0;
      let errors = 0;
      const workers = await driver.work(name, 16, ({ t }) => { histogram.recordValue(Math.max(1, Math.round((nowMs() - t) * 1_000))); started += 1; });
      const count = Math.round((run.durationMs / 1_000) * rate);
      const sample = await timed(async () => {
        const t0 = nowMs() + 20;
        const pending: Promise<void>[] = [];
        for (let i = 0; i < count; i++) {
          const intended = t0 + (i * 1_000) / rate;
          const wait = intended - nowMs();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
          pending.push(driver.enqueue(name, { t: intended }).catch(() => { errors += 1; }));
        }
        await Promise.all(pending);
        const deadline = performance.now() + 10_000;
        while (started < count - errors && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        return { operations: started, histogram };
      });
      await workers.stop();
      await driver.drop(name);
      return { ...sample, errors, notes: { offeredRate: rate } };
    },
  });
}

export default defineSuite<Env>({
  name: 'queue',
  title: 'raw BullMQ vs Tiered queue layer (same Redis, no-op jobs)',
  requires: ['redis-server'],
  setup: async () => ({ stack: await startStack({ redis: true }) }),
  teardown: async (env) => { await env.stack.stop(); },
  scenarios: (env, ctx) => [enqueueScenario(env), processScenario(env, ctx, 1), processScenario(env, ctx, 16), latencyScenario(env)],
});
