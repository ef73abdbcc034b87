// The edge suite's purge scenario: 3 `tiered gateway` instances (through the CLI) share a Redis
// purge bus (the edges' `redis:`, Redis from startStack); each caches /page (surrogate key
// `page`); a purge is POSTed to instance 1's admin port and all 3 are polled (GET /page, one
// connection each, `Cache-Control: only-if-cached` so a purged instance answers 504 at once instead
// of fetching from the origin) until each answers something other than a HIT. The latency of one purge is
// the time from sending it to the LAST instance's first non-HIT answer (target: p99 ≤ 150 ms).
// Before each purge every instance is warmed back until it answers a HIT.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool, request } from 'undici';
import { freePort } from '../../../../ops/stack/net.js';
import { startStack } from '../../stack.js';
import { startTiered, waitUntilListening, type OwnedProcess } from '../../process.js';
import { encodeHistogram, newLatencyHistogram } from '../../stats.js';
import type { MeasureRun, Peer, Sample } from '../../suite.js';

export interface PurgeTarget {
  /** Each instance's edge frontend, http://127.0.0.1:<port>. */
  edges: string[];
  /** Instance 1's admin POST /edge/purge. */
  purgeUrl: string;
}

const PAGE = '/page';
const POLL_TIMEOUT_MS = 5000;

/** `instances` × `tiered gateway -c` with an edge whose `redis:` is one shared purge bus. */
export function tieredPurgePeer(origin: string, instances = 3): Peer<PurgeTarget> {
  return {
    name: 'tiered',
    description: `${instances} × tiered gateway (CLI) with edge: (memory store) and a shared Redis purge bus; purge on instance 1's admin port`,
    unavailable: () => undefined,
    async start(ctx) {
      const stack = await startStack({ redis: true });
      const procs: OwnedProcess[] = [];
      const stop = async () => {
        await Promise.all(procs.map((p) => p.stop()));
        await stack.stop();
      };
      try {
        const edges: string[] = [];
        let purgeUrl = '';
        for (let i = 1; i <= instances; i++) {
          const [port, admin] = [await freePort(), await freePort()];
          const file = join(ctx.tmpDir, `tiered-purge-${i}.yaml`);
          writeFileSync(file, [
            'gateway:',
            `  workers: ${ctx.workers}`,
            '  accessLog: false',
            `  admin: { listen: "127.0.0.1:${admin}" }`,
            '  frontends:',
            `    - { name: web, listen: "127.0.0.1:${port}", backend: app, edge: { maxBytes: 64mb, redis: { url: "${stack.redis.url}", prefix: "tiered:bench-edge:" } } }`,
            '  backends:',
            `    - { name: app, servers: [ { name: origin, address: "${origin}" } ] }`,
            '',
          ].join('\n'));
          const proc = startTiered(`tiered-purge-${i}`, ['gateway', '-c', file], { logDir: ctx.tmpDir, env: { ...process.env, TIERED_ADMIN_TOKEN: '' } });
          procs.push(proc);
          await waitUntilListening(proc, [port, admin], 120_000);
          edges.push(`http://127.0.0.1:${port}`);
          if (i === 1) purgeUrl = `http://127.0.0.1:${admin}/edge/purge`;
        }
        return { target: { edges, purgeUrl }, pids: procs.map((p) => p.pid), stop };
      } catch (err) {
        await stop();
        throw err;
      }
    },
  };
}

/** X-Cache of a GET /page; `onlyIfCached` polls without a fetch (a purged object is a 504 at once). */
async function cacheStatus(pool: Pool, onlyIfCached = false): Promise<string> {
  const res = await pool.request({ path: PAGE, method: 'GET', headers: onlyIfCached ? { 'cache-control': 'only-if-cached' } : {} });
  await res.body.dump();
  return res.statusCode === 200 ? String(res.headers['x-cache'] ?? '') : String(res.statusCode);
}

export function purgeMeasure(purges: number) {
  return async (target: PurgeTarget, run: MeasureRun): Promise<Sample> => {
    const pools = target.edges.map((url) => new Pool(url, { connections: 1 }));
    const histogram = newLatencyHistogram();
    let ok = 0;
    let errors = 0;
    const started = performance.now();
    try {
      const count = run.warmup ? Math.min(10, purges) : purges;
      for (let i = 0; i < count && !run.ctx.signal.aborted; i++) {
        for (const pool of pools) {
          for (let tries = 0; (await cacheStatus(pool)) !== 'HIT'; tries++) {
            if (tries > 50) throw new Error('an instance does not cache /page');
          }
        }
        const t0 = performance.now();
        const purge = request(target.purgeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"keys":["page"]}' })
          .then(async (res) => {
            await res.body.dump();
            if (res.statusCode !== 200) throw new Error(`purge answered ${res.statusCode}`);
          });
        const seen = pools.map(async (pool) => {
          while ((await cacheStatus(pool, true)) === 'HIT') {
            if (performance.now() - t0 > POLL_TIMEOUT_MS) throw new Error('purge not seen');
          }
          return performance.now();
        });
        try {
          const [, ...times] = await Promise.all([purge, ...seen]);
          histogram.recordValue(Math.max(1, Math.round((Math.max(...(times as number[])) - t0) * 1000)));
          ok++;
        } catch {
          errors++;
        }
      }
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
    return { operations: ok, elapsedMs: performance.now() - started, errors, histogram: encodeHistogram(histogram), notes: { instances: target.edges.length } };
  };
}
