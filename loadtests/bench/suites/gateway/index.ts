// `tiered bench gateway`: the HTTP proxy path side by side, same backends, same load generators.
//   throughput:   closed model (wrk, else autocannon) → req/s at saturation, CPU per 10k requests
//   latency:      open model at --rate (1,000 req/s) → p50/p99/p99.9, added over direct
//   slow-backend: open model, 1 of 3 backends 20× slower → tail latency per balancing policy,
//                 compared with the same proxy on 3 healthy backends
import { closedModel, openModel, type HttpTarget } from '../../loadgen/measure.js';
import { directPeer, haproxyPeer, httpProxyPeer } from '../../peers/index.js';
import { defineScenario, defineSuite } from '../../suite.js';
import { BASE_DELAY_MS, SLOW_FACTOR, startBackends, type GatewayBackends } from './backends.js';
import { tieredGatewayPeer } from './tiered.js';

const urls = (servers: string[]) => servers.map((s) => `http://${s}`);

export default defineSuite<GatewayBackends>({
  name: 'gateway',
  title: 'L7 proxy: direct vs HAProxy vs bare http-proxy-3 vs Tiered',
  setup: (ctx) => startBackends(ctx),
  teardown: async (backends) => {
    await Promise.all(backends.processes.map((p) => p.stop()));
  },
  scenarios(backends, ctx) {
    const proxies = (servers: string[]) => [
      haproxyPeer({ servers, balance: 'roundrobin' }),
      httpProxyPeer(urls(servers)),
      tieredGatewayPeer({ name: 'tiered', servers, balance: 'default' }),
    ];
    return [
      defineScenario<HttpTarget>({
        name: 'throughput',
        title: `closed model, ${ctx.options.connections} connections, 2 backends`,
        unit: 'req',
        model: 'closed',
        peers: [
          directPeer(backends.directUrl, 'direct', 'no proxy: both backend processes share one SO_REUSEPORT port'),
          ...proxies(backends.fast),
          // Every feature on the same upstream client as the bare http-proxy-3 row: what the features cost.
          tieredGatewayPeer({ name: 'tiered http-proxy-3', servers: backends.fast, balance: 'default', engine: 'http-proxy-3' }),
        ],
        subject: 'tiered',
        baseline: 'direct',
        compare: ['rate', 'cpu'],
        measure: closedModel(),
      }),
      defineScenario<HttpTarget>({
        name: 'latency',
        title: `open model at ${ctx.options.rate} req/s, 2 backends`,
        unit: 'req',
        model: 'open',
        peers: [directPeer(backends.directUrl, 'direct', 'no proxy: both backend processes share one SO_REUSEPORT port'), ...proxies(backends.fast)],
        subject: 'tiered',
        baseline: 'direct',
        compare: ['p50', 'p99', 'p999'],
        measure: openModel(),
      }),
      defineScenario<HttpTarget>({
        name: 'slow-backend',
        title: `open model at ${ctx.options.rate} req/s, 3 backends of ${BASE_DELAY_MS} ms, one of them ${SLOW_FACTOR}× slower`,
        unit: 'req',
        model: 'open',
        peers: [
          haproxyPeer({ name: 'haproxy all-healthy', servers: backends.healthy, balance: 'roundrobin' }),
          haproxyPeer({ name: 'haproxy roundrobin', servers: backends.withSlow, balance: 'roundrobin' }),
          haproxyPeer({ name: 'haproxy leastconn', servers: backends.withSlow, balance: 'leastconn' }),
          httpProxyPeer(urls(backends.withSlow)),
          tieredGatewayPeer({ name: 'tiered all-healthy', servers: backends.healthy, balance: 'default' }),
          tieredGatewayPeer({ name: 'tiered', servers: backends.withSlow, balance: 'default' }),
        ],
        subject: 'tiered',
        baseline: 'haproxy all-healthy',
        compare: ['p50', 'p99', 'p999'],
        extraColumns: [
          { key: 'slowSharePct', label: 'slow server %', digits: 2 },
          { key: 'slowShareWorstPct', label: 'slow % worst round', digits: 2, aggregate: 'max' },
        ],
        // The slow server's share of the requests the backends answered in the round (target: ≤ 0.3 %).
        measure: async (target, run) => {
          const before = await backends.timedCounts();
          const sample = await openModel()(target, run);
          const after = await backends.timedCounts();
          let all = 0;
          for (const [host, n] of after) all += n - (before.get(host) ?? 0);
          const slow = (after.get(backends.slow) ?? 0) - (before.get(backends.slow) ?? 0);
          const share = all ? (slow / all) * 100 : 0;
          return { ...sample, extra: { slowSharePct: share, slowShareWorstPct: share } };
        },
      }),
    ];
  },
});
