// The supervising primary (`tiered gateway`, HAProxy's master-worker model): a worker killed
// with SIGKILL under load is started again with no failed request on a frontend served by two
// workers; a worker that dies of an uncaught exception is logged with its stack and restarted;
// /stats.json, /stats and /metrics show the restarts per worker. The back-off is a pure function.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextQuickDeaths, restartDelay } from '../sdk/restart-delay.js';
import { eventually } from '../sdk/testing/eventually.js';
import { httpRequest, loadLoop, startTestBackend } from './test-backends.js';
import { startGatewayCli, type GatewayProcess } from './test-process.js';
import { build } from 'hdr-histogram-js';

const running: GatewayProcess[] = [];
after(async () => {
  await Promise.all(running.map((g) => g.stop()));
});

interface WorkerRow { slot: number; pid: number | null; up: boolean; restarts: number; lastExit: { signal: string | null; error?: string } | null }

async function workers(gw: GatewayProcess): Promise<WorkerRow[]> {
  return (JSON.parse((await httpRequest(gw.ports.admin, { path: '/stats.json' })).body) as { workers: WorkerRow[] }).workers;
}


describe('tiered gateway: supervising primary', () => {
  test('--workers 2: /stats.json percentiles are those of one histogram of every request both workers served', async () => {
    const app = await startTestBackend('app');
    // Answers after ?d= milliseconds: a spread of latencies, so each worker's own percentiles differ from the cluster's.
    app.handler = (req, res) => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('d') ?? 0);
      req.resume();
      setTimeout(() => res.end('ok'), delay);
      return true;
    };
    try {
      const gw = await startGatewayCli(['--listen', '127.0.0.1:0', '--backend', `http://${app.address}`, '--admin', '127.0.0.1:0', '--workers', '2'], ['http', 'admin']);
      running.push(gw);
      await eventually('both workers up', async () => ((await workers(gw)).every((w) => w.up) ? true : undefined));
      // One connection per request (agent: false), so the kernel spreads them over both workers.
      const delays = Array.from({ length: 240 }, (_, i) => (i * 37) % 23 + (i % 40 === 0 ? 60 : 0));
      for (let i = 0; i < delays.length; i += 6) {
        await Promise.all(delays.slice(i, i + 6).map((d) => httpRequest(gw.ports.http, { path: `/?d=${d}`, agent: false })));
      }
      const lines = () => gw.output().split('\n').filter((l) => l.includes('"component":"gateway.access"')).map((l) => JSON.parse(l) as { pid: number; ta: number });
      const served = await eventually('every request in the access log', async () => (lines().length >= delays.length ? lines() : undefined));
      assert.equal(new Set(served.map((l) => l.pid)).size, 2, 'both workers served requests');
      const all = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 });
      for (const line of served) all.recordValue(Math.max(1, Math.round(line.ta * 1000)));
      const stats = JSON.parse((await httpRequest(gw.ports.admin, { path: '/stats.json' })).body) as { frontends: { requests: number; p50: number; p99: number; timers: { total: { p90: number; count: number } } }[] };
      const web = stats.frontends[0];
      assert.equal(web.requests, delays.length);
      assert.equal(web.timers.total.count, delays.length);
      const ms = (p: number) => Math.round(all.getValueAtPercentile(p)) / 1000;
      assert.deepEqual([web.p50, web.timers.total.p90, web.p99], [ms(50), ms(90), ms(99)]);
    } finally {
      await app.stop();
    }
  });

  test('restart back-off: at once, then doubling from 100 ms up to 10 s while a worker keeps dying soon after its start', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 10, 20].map(restartDelay), [0, 100, 200, 400, 800, 10_000, 10_000]);
    assert.equal(nextQuickDeaths(3, 500), 4);
    assert.equal(nextQuickDeaths(3, 60_000), 1, 'a worker that lived long starts the count over');
  });

  test('a worker killed with SIGKILL under load is restarted; no failed request on a frontend served by two workers', async () => {
    const app = await startTestBackend('app');
    try {
      const gw = await startGatewayCli(['--listen', '127.0.0.1:0', '--backend', `http://${app.address}`, '--admin', '127.0.0.1:0', '--workers', '2', '--no-access-log'], ['http', 'admin']);
      running.push(gw);
      const before = await eventually('both workers up', async () => {
        const rows = await workers(gw);
        return rows.length === 2 && rows.every((w) => w.up && w.pid) ? rows : undefined;
      });
      const traffic = loadLoop(gw.ports.http, 8, { resendOnce: true });
      await eventually('traffic flows', async () => (traffic.result.ok > 200 ? true : undefined));
      process.kill(before[0].pid!, 'SIGKILL');
      const after = await eventually('worker 0 restarted', async () => {
        const rows = await workers(gw);
        return rows[0].restarts === 1 && rows[0].up && rows[0].pid !== before[0].pid ? rows : undefined;
      });
      const okAtRestart = traffic.result.ok;
      await eventually('traffic flows after the restart', async () => (traffic.result.ok > okAtRestart + 200 ? true : undefined));
      await traffic.stop();
      assert.deepEqual(traffic.result.failed, [], `failed requests (retried once: ${traffic.result.resent})`);
      assert.equal(after[0].lastExit?.signal, 'SIGKILL');
      assert.equal(after[1].restarts, 0);
      assert.equal(after[1].pid, before[1].pid, 'the other worker went on');
      assert.match(gw.output(), /gateway worker 0 \(pid \d+\) died \(SIGKILL\); restarting now/);
      const metrics = (await httpRequest(gw.ports.admin, { path: '/metrics' })).body;
      assert.match(metrics, /tiered_gateway_worker_restarts_total\{worker="0"\} 1/);
      assert.match((await httpRequest(gw.ports.admin, { path: '/stats' })).body, /<h2>workers/);
    } finally {
      await app.stop();
    }
  });

  test('a worker that dies of an uncaught exception: its stack is logged, another one starts, the frontend serves', async () => {
    const app = await startTestBackend('app');
    try {
      const gw = await startGatewayCli(['--listen', '127.0.0.1:0', '--backend', `http://${app.address}`, '--admin', '127.0.0.1:0', '--no-access-log'], ['http', 'admin'],
        {}, ['--import', './gateway/test-fault.ts']);
      running.push(gw);
      const [first] = await eventually('worker up', async () => {
        const rows = await workers(gw);
        return rows[0]?.up ? rows : undefined;
      });
      process.kill(first.pid!, 'SIGUSR2');
      const [restarted] = await eventually('worker restarted', async () => {
        const rows = await workers(gw);
        return rows[0].restarts === 1 && rows[0].up ? rows : undefined;
      });
      assert.match(restarted.lastExit?.error ?? '', /uncaught exception: Error: injected fault/);
      assert.match(gw.output(), /died \(exit 70\); restarting now: uncaught exception: Error: injected fault \(gateway\/test-fault\.ts\)\\n +at /);
      assert.equal((await httpRequest(gw.ports.http, { path: '/after' })).status, 200);
    } finally {
      await app.stop();
    }
  });
});
