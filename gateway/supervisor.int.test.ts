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

const running: GatewayProcess[] = [];
after(async () => {
  await Promise.all(running.map((g) => g.stop()));
});

interface WorkerRow { slot: number; pid: number | null; up: boolean; restarts: number; lastExit: { signal: string | null; error?: string } | null }

async function workers(gw: GatewayProcess): Promise<WorkerRow[]> {
  return (JSON.parse((await httpRequest(gw.ports.admin, { path: '/stats.json' })).body) as { workers: WorkerRow[] }).workers;
}


describe('tiered gateway: supervising primary', () => {
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
