// The gateway as a process (`tiered gateway`), as users run it: SIGTERM drains in-flight
// requests and exits 0; SIGHUP and POST /reload apply a changed config under load with no
// failed request; --workers N shares health state across workers.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpRequest, loadLoop, startTestBackend, type TestBackend } from './test-backends.js';
import { startGatewayCli, type GatewayProcess } from './test-process.js';
import { eventually } from '../sdk/testing/eventually.js';

const dir = mkdtempSync(join(tmpdir(), 'tiered-gw-'));
const running: GatewayProcess[] = [];

/** Starts `tiered gateway …` (test-process.ts); stopped after the file if a test left it running. */
async function startCli(args: string[], expect: string[]): Promise<GatewayProcess> {
  const gw = await startGatewayCli(args, expect);
  running.push(gw);
  return gw;
}

after(async () => {
  await Promise.all(running.map((gw) => gw.stop(1000)));
  rmSync(dir, { recursive: true, force: true });
});

describe('tiered gateway process', () => {
  test('SIGTERM: in-flight requests finish, then exit 0', async () => {
    const backend = await startTestBackend('slow');
    backend.delay = 1500;
    try {
      const gw = await startCli(['--listen', '127.0.0.1:0', '--backend', `http://${backend.address}`], ['http']);
      const inflight = Array.from({ length: 5 }, () => httpRequest(gw.ports.http, { path: '/slow' }));
      while (backend.hits < 5) await sleep(20); // all five are in flight at the server
      gw.child.kill('SIGTERM');
      const answers = await Promise.all(inflight);
      assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 200]);
      assert.equal(await gw.exited, 0);
      await assert.rejects(httpRequest(gw.ports.http, { path: '/after' }));
    } finally {
      await backend.stop();
    }
  });

  test('SIGHUP and POST /reload apply a new config under load with zero failed requests', async () => {
    const one = await startTestBackend('one');
    const two = await startTestBackend('two');
    const file = join(dir, 'reload.yaml');
    const write = (server: TestBackend, balance: string) => writeFileSync(file, [
      'gateway:',
      '  accessLog: false',
      '  admin: { listen: "127.0.0.1:0" }',
      '  frontends: [{ name: web, listen: "127.0.0.1:0", backend: app }]',
      `  backends: [{ name: app, balance: ${balance}, servers: [{ name: ${server.name}, address: "${server.address}" }] }]`,
      '',
    ].join('\n'));
    write(one, 'roundrobin');
    try {
      const gw = await startCli(['-c', file], ['web', 'admin']);
      const traffic = loadLoop(gw.ports.web, 8);
      await eventually('traffic flows', () => traffic.result.ok > 100);
      write(two, 'leastconn');
      gw.child.kill('SIGHUP');
      await eventually('SIGHUP moved traffic to the new server', () => two.hits > 50);
      const twoAfterHup = two.hits;
      write(one, 'p2c-ewma');
      const oneBefore = one.hits;
      const reload = await httpRequest(gw.ports.admin, { path: '/reload', method: 'POST' });
      assert.equal(reload.status, 200);
      await eventually('POST /reload moved traffic back', () => one.hits > oneBefore + 50);
      await traffic.stop();
      assert.deepEqual(traffic.result.failed, []);
      assert.ok(twoAfterHup > 0, 'SIGHUP moved traffic to the new server');
      assert.ok((traffic.result.bodies.get('one') ?? 0) > 0);
      assert.ok(traffic.result.ok > 100, `requests: ${traffic.result.ok}`);
      gw.child.kill('SIGTERM');
      assert.equal(await gw.exited, 0);
    } finally {
      await one.stop();
      await two.stop();
    }
  });

  test('--workers 2: health state is shared; after a mark-down no worker sends to the dead server', async () => {
    const a = await startTestBackend('a');
    const b = await startTestBackend('b');
    try {
      const gw = await startCli([
        '--listen', '127.0.0.1:0', '--backend', `http://${a.address}`, '--backend', `http://${b.address}`,
        '--health', '/healthz', '--admin', '127.0.0.1:0', '--workers', '2', '--balance', 'roundrobin', '--no-access-log',
      ], ['http', 'admin']);
      const stats = async () => JSON.parse((await httpRequest(gw.ports.admin, { path: '/stats.json' })).body);
      // Both workers serve: fresh connections are spread across them by the cluster.
      for (let i = 0; i < 20; i++) assert.equal((await httpRequest(gw.ports.http, { path: '/w' })).status, 200);
      assert.equal((await stats()).frontends[0].requests, 20);
      b.health = 500;
      const start = Date.now();
      while ((await stats()).backends[0].servers[1].state !== 'DOWN') {
        assert.ok(Date.now() - start < 15_000, 'b marked down');
        await sleep(100);
      }
      // A barrier, not a wait: the primary sent the health change to every worker before this
      // stats request, and each worker's IPC channel is in order, so once every worker has answered
      // it, every worker has applied the change.
      await stats();
      const hitsBefore = b.hits;
      for (let i = 0; i < 20; i++) assert.equal((await httpRequest(gw.ports.http, { path: '/w' })).status, 200);
      assert.equal(b.hits, hitsBefore, 'no worker sent a request to the server marked down');
      gw.child.kill('SIGTERM');
      assert.equal(await gw.exited, 0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
