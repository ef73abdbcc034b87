// Copied into a fresh app by ops/package.int.test.ts, type-checked there with `tsc --noEmit`
// against the shipped .d.ts files and run with plain Node (type stripping): one real call per
// subpath export, as a user of the npm package makes it. Prints one JSON line of results.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfigText } from 'tiered';
import { tieredConfigSchema } from 'tiered/ops';
import { createHttpClient, type HttpClient } from 'tiered/sdk';
import { createCache } from 'tiered/cache';
import { defineJob, isJobDefinition } from 'tiered/queue';
import { quickConfig, startGateway } from 'tiered/gateway';
import * as platform from 'tiered/platform';
import { z } from 'zod';

function listen(name: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => res.end(`${name} ${req.url}`));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  }));
}

const results: Record<string, unknown> = {};

// tiered and tiered/ops: the config file model.
const config = parseConfigText('stack:\n  redis:\n    port: 6390\n', 'inline.yaml');
results.config = config.stack?.redis?.port;
results.schema = typeof tieredConfigSchema.parse;

// tiered/sdk: the smart client balancing over two local hosts.
const a = await listen('a');
const b = await listen('b');
const client: HttpClient = createHttpClient({ hosts: [a.origin, b.origin], balance: 'roundrobin' });
const seen = new Set<string>();
for (let i = 0; i < 4; i++) {
  const res = await client.get('/hello');
  seen.add(await res.text());
}
results.sdk = [...seen].sort();
await client.close();

// tiered/cache: read-through on the memory store, invalidation drops the entry.
const cache = createCache({ store: 'memory', ttl: '1m', namespace: 'pkg' });
let loads = 0;
const load = async () => ({ n: ++loads });
await cache.getOrLoad('user:1', load);
const cached = await cache.getOrLoad('user:1', load);
await cache.invalidate('user:1');
const reloaded = await cache.getOrLoad('user:1', load);
results.cache = [cached?.n, reloaded?.n];
await cache.close();

// tiered/queue: a typed job definition (running it needs Redis: examples/jobs does).
const job = defineJob({ name: 'pkg.email', schema: z.object({ to: z.string() }), handler: async ({ to }) => to.length });
results.queue = isJobDefinition(job) && job.name;

// tiered/gateway: quick mode in process, in front of host a.
const gateway = await startGateway(quickConfig({ listen: '127.0.0.1:0', backends: [a.origin], accessLog: false }));
const viaGateway = await fetch(`http://127.0.0.1:${gateway.ports().http}/through`);
results.gateway = [viaGateway.status, await viaGateway.text()];
await gateway.stop(100);

// tiered/platform: the module loads and exports its API.
results.platform = Object.keys(platform).length > 0;

a.server.close();
b.server.close();
console.log(JSON.stringify(results));
