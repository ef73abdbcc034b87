// `tiered bench edge`: cache hits of one object through the CDN edge, side by side, with an
// origin that does 5 ms of work per request.
//   hits:    closed model → req/s of cache hits and CPU per 10k, Tiered's edge vs Varnish
//            (default config: it caches the origin's max-age) vs nginx proxy_cache vs the origin direct
//   latency: open model at --rate → p50/p99/p99.9 of hits
//   herd:    1,000 concurrent clients ask for one object right after it expires → origin
//            requests per expiry (worst and median), Tiered vs Varnish vs nginx (herd.ts)
//   purge:   purge on 1 of 3 gateway instances sharing a Redis purge bus → latency until the
//            last instance misses, p99 over 200 purges (purge.ts)
// Every peer is warmed (one request) before it is measured, so the rounds measure hits.
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort } from '../../../../ops/stack/net.js';
import { closedModel, openModel, type HttpTarget } from '../../loadgen/measure.js';
import { directPeer, nginxPeer, varnishPeer } from '../../peers/index.js';
import { startNodeScript, startTiered, waitUntilListening, type OwnedProcess } from '../../process.js';
import { defineScenario, defineSuite, type Peer } from '../../suite.js';
import { herdMeasure } from './herd.js';
import { purgeMeasure, tieredPurgePeer } from './purge.js';

const ORIGIN = fileURLToPath(new URL('../../servers/edge-origin.ts', import.meta.url));
const ORIGIN_DELAY_MS = 5;
const HERD_CLIENTS = 1000;

interface EdgeBench {
  origin: string;
  process: OwnedProcess;
}

/** `tiered gateway -c` with an edge on its one frontend, in front of the origin. */
function tieredEdgePeer(origin: string): Peer<HttpTarget> {
  return {
    name: 'tiered',
    description: `tiered gateway with edge: (memory store), workers = run's workers, no access log`,
    async start(ctx) {
      const port = await freePort();
      const file = join(ctx.tmpDir, 'tiered-edge.yaml');
      writeFileSync(file, [
        'gateway:',
        `  workers: ${ctx.workers}`,
        '  accessLog: false',
        '  frontends:',
        `    - { name: web, listen: "127.0.0.1:${port}", backend: app, edge: { maxBytes: 64mb } }`,
        '  backends:',
        `    - { name: app, servers: [ { name: origin, address: "${origin}" } ] }`,
        '',
      ].join('\n'));
      const proc = startTiered('tiered', ['gateway', '-c', file], { logDir: ctx.tmpDir });
      await waitUntilListening(proc, [port], 120_000);
      return { target: { url: `http://127.0.0.1:${port}/page` }, pids: [proc.pid], stop: () => proc.stop() };
    },
  };
}

/** A peer whose target is warmed with requests until it answers from its cache. */
function warmed(peer: Peer<HttpTarget>): Peer<HttpTarget> {
  return {
    ...peer,
    async start(ctx) {
      const started = await peer.start(ctx);
      const url = started.target.url.endsWith('/') ? `${started.target.url}page` : started.target.url;
      for (let i = 0; i < 3; i++) await (await request(url)).body.text();
      return { ...started, target: { url } };
    },
  };
}

export default defineSuite<EdgeBench>({
  name: 'edge',
  title: `CDN edge: cache hits through Tiered vs Varnish vs nginx proxy_cache vs the origin direct (origin: ${ORIGIN_DELAY_MS} ms per request)`,
  async setup(ctx) {
    const port = await freePort();
    const proc = startNodeScript('edge-origin', ORIGIN, [String(port), String(ORIGIN_DELAY_MS)], { logDir: ctx.tmpDir });
    await waitUntilListening(proc, [port]);
    return { origin: `127.0.0.1:${port}`, process: proc };
  },
  teardown: async (bench) => {
    await bench.process.stop();
  },
  scenarios(bench, ctx) {
    const peers = () => [
      warmed(directPeer(`http://${bench.origin}/page`, 'origin direct', `the origin itself (${ORIGIN_DELAY_MS} ms per request)`)),
      warmed(varnishPeer({ servers: [bench.origin] })),
      warmed(nginxPeer({ servers: [bench.origin] })),
      warmed(tieredEdgePeer(bench.origin)),
    ];
    return [
      defineScenario<HttpTarget>({
        name: 'hits',
        title: `closed model, ${ctx.options.connections} connections, one cached 2 KB object`,
        unit: 'req',
        model: 'closed',
        peers: peers(),
        subject: 'tiered',
        baseline: 'varnish',
        compare: ['rate', 'cpu'],
        measure: closedModel(),
      }),
      defineScenario<HttpTarget>({
        name: 'latency',
        title: `open model at ${ctx.options.rate} req/s, hits of one object`,
        unit: 'req',
        model: 'open',
        peers: peers().slice(1),
        subject: 'tiered',
        baseline: 'varnish',
        compare: ['p50', 'p99', 'p999'],
        measure: openModel(),
      }),
      defineScenario<HttpTarget>({
        name: 'herd',
        title: `thundering herd: ${HERD_CLIENTS} concurrent clients on one object right after it expires (max-age 1 s), origin requests per expiry`,
        unit: 'req',
        model: 'custom',
        peers: [varnishPeer({ servers: [bench.origin] }), nginxPeer({ servers: [bench.origin] }), tieredEdgePeer(bench.origin)],
        subject: 'tiered',
        baseline: 'varnish',
        compare: ['p99', 'origin'],
        extraColumns: [
          { key: 'origin', label: 'origin req/expiry (worst)', digits: 0, aggregate: 'max' },
          { key: 'originMedian', label: 'origin req/expiry (median)', digits: 0 },
        ],
        measure: herdMeasure({
          clients: HERD_CLIENTS,
          expiries: ctx.quick ? 1 : 5,
          originCount: async () => ((await (await request(`http://${bench.origin}/__bench/count`)).body.json()) as { served: number }).served,
        }),
      }),
      defineScenario({
        name: 'purge',
        title: `purge by surrogate key on 1 of 3 gateway instances sharing a Redis purge bus: time until the last instance misses, ${ctx.quick ? 20 : 200} purges`,
        unit: 'purge',
        model: 'custom',
        peers: [tieredPurgePeer(bench.origin, 3)],
        compare: ['p50', 'p99'],
        rounds: 1,
        measure: purgeMeasure(ctx.quick ? 20 : 200),
      }),
    ];
  },
});
