// The load generators against a real backend process on loopback (no speed asserted).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { findBinary } from '../../../ops/stack/binaries.js';
import { freePorts } from '../../../ops/stack/net.js';
import { startNodeScript, stopAllOwned, waitUntilListening } from '../process.js';
import { decodeHistogram } from '../stats.js';
import { closedLoad } from './closed.js';
import { openLoad } from './open.js';

const SERVER = fileURLToPath(new URL('../servers/backend-server.ts', import.meta.url));

describe('load generators', () => {
  let dir: string;
  let fastUrl: string;
  let slowUrl: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tiered-loadgen-test-'));
    const [fast, slow] = await freePorts(2);
    const proc = startNodeScript('backend', SERVER, ['test', `${fast}:0,${slow}:50`], { logDir: dir });
    await waitUntilListening(proc, [fast, slow]);
    fastUrl = `http://127.0.0.1:${fast}/`;
    slowUrl = `http://127.0.0.1:${slow}/`;
  });

  after(async () => {
    await stopAllOwned();
    rmSync(dir, { recursive: true, force: true });
  });

  test('open model sends the planned number of requests and returns a histogram', async () => {
    const r = await openLoad({ url: fastUrl, rate: 200, durationMs: 1000 });
    assert.equal(r.sent, 200);
    assert.equal(r.errors, 0);
    assert.equal(r.operations, 200);
    assert.equal(decodeHistogram(r.histogram as string).totalCount, 200);
  });

  test('open model corrects coordinated omission: a saturated server shows its queueing delay', async () => {
    // One connection, 50 ms per answer (20/s capacity), 100/s offered for 1 s: the last requests
    // wait seconds. A closed-loop generator would report ~50 ms for every request.
    const r = await openLoad({ url: slowUrl, rate: 100, durationMs: 1000, connections: 1 });
    assert.equal(r.operations, 100);
    const h = decodeHistogram(r.histogram as string);
    assert.ok(h.getValueAtPercentile(99) > 1_000_000, `p99 ${h.getValueAtPercentile(99)} µs should include the queueing`);
    assert.ok(h.getValueAtPercentile(1) < 200_000);
  });

  test('open model counts refused connections as errors', async () => {
    const [unused] = await freePorts(1);
    const r = await openLoad({ url: `http://127.0.0.1:${unused}/`, rate: 50, durationMs: 200, timeoutMs: 2000 });
    assert.equal(r.operations, 0);
    assert.equal(r.errors, 10);
  });

  test('open model: every planned request ends as exactly one success or one error, even unanswered ones', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => { // accepts, never answers
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const r = await openLoad({ url: `http://127.0.0.1:${port}/`, rate: 20, durationMs: 500, connections: 1, timeoutMs: 400 });
      assert.equal(r.sent, 10);
      assert.equal(r.operations, 0);
      assert.equal(r.errors, 10, JSON.stringify(r.errorKinds));
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('closed model with autocannon', async () => {
    const r = await closedLoad({ url: fastUrl, connections: 4, durationMs: 1000, tool: 'autocannon', tmpDir: dir });
    assert.equal(r.tool, 'autocannon');
    assert.ok(r.operations > 0);
    assert.equal(r.errors, 0);
    assert.ok((r.latency?.points.length ?? 0) > 5);
  });

  test('closed model with wrk', { skip: findBinary('wrk') ? false : 'wrk not installed (bash ops/install-deps --bench)' }, async () => {
    const r = await closedLoad({ url: fastUrl, connections: 4, durationMs: 1000, tool: 'wrk', tmpDir: dir });
    assert.equal(r.tool, 'wrk');
    assert.ok(r.operations > 0);
    assert.equal(r.errors, 0);
    assert.ok((r.latency?.points.find((x) => x.p === 99.9)?.ms ?? 0) > 0);
  });
});
