// A child process of the cache suite's stampede scenario: sets up, prints "ready", waits for "go"
// on stdin (so every process starts together however slow the machine is), fires `readers`
// concurrent reads of one cold key whose origin takes `loadMs`, prints {"calls": origin calls, "ms"}.
// Config as JSON in argv[2]: { library, key, readers, loadMs, redisUrl }.
//   tiered:     createCache (tiered/cache) on Redis, L1 off: single-flight + lease across processes
//   bentocache: getOrSet, memory L1 + Redis L2
import { createCache } from '../../../../cache/index.js';

interface ChildConfig {
  library: 'tiered' | 'bentocache';
  key: string;
  readers: number;
  loadMs: number;
  redisUrl: string;
}

const config = JSON.parse(process.argv[2]) as ChildConfig;
let calls = 0;
const loader = async () => {
  calls++;
  await new Promise((r) => setTimeout(r, config.loadMs));
  return { value: config.key, by: process.pid };
};

async function withTiered(): Promise<() => Promise<unknown>> {
  const cache = createCache({ store: { redis: config.redisUrl }, namespace: 'stampede', l1: false, ttl: '1m', hardTimeout: '20s', leaseWait: '15s' });
  return async () => {
    await Promise.all(Array.from({ length: config.readers }, () => cache.getOrLoad(config.key, loader)));
    await cache.close();
  };
}

async function withBento(): Promise<() => Promise<unknown>> {
  const { BentoCache, bentostore } = await import('bentocache');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const { redisDriver } = await import('bentocache/drivers/redis');
  const url = new URL(config.redisUrl);
  const bento = new BentoCache({
    default: 'tiered',
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(redisDriver({ connection: { host: url.hostname, port: Number(url.port) } })),
    },
  });
  return async () => {
    await Promise.all(Array.from({ length: config.readers }, () => bento.getOrSet({ key: config.key, factory: loader, ttl: '1m' })));
    await bento.disconnectAll();
  };
}

const run = await (config.library === 'bentocache' ? withBento() : withTiered());
process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    if (chunk.includes('go')) resolve();
  });
});
const started = Date.now();
await run();
process.stdout.write(JSON.stringify({ calls, ms: Date.now() - started }) + '\n');
process.exit(0);
