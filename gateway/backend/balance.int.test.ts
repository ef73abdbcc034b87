// Balancing and health against real backend servers: distribution per algorithm, active
// mark-down/up within fall×interval / rise×interval, passive ejection, drain, maint, backup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway, type Gateway } from '../gateway.js';
import { httpRequest, startTestBackend, type TestBackend } from '../test-backends.js';

async function counts(port: number, n: number, path = '/', headers?: Record<string, string>, agent?: Agent): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await httpRequest(port, { path: typeof path === 'string' ? path : '/', headers, agent });
    const name = res.status === 200 ? res.body.split(' ')[0] : `status-${res.status}`;
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

/** `n` requests in `parallel` concurrent loops: the regime where in-flight counts take part in the pick. */
async function parallelCounts(port: number, n: number, parallel: number): Promise<Record<string, number>> {
  const parts = await Promise.all(Array.from({ length: parallel }, (_, i) => counts(port, Math.floor(n / parallel) + (i < n % parallel ? 1 : 0))));
  const out: Record<string, number> = {};
  for (const part of parts) for (const [name, count] of Object.entries(part)) out[name] = (out[name] ?? 0) + count;
  return out;
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs}ms`);
    await sleep(20);
  }
  return Date.now() - start;
}

describe('distribution per algorithm', () => {
  let servers: TestBackend[];
  let gw: Gateway;
  const algorithms = ['roundrobin', 'leastconn', 'random', 'p2c-ewma', 'hash', 'first'] as const;

  before(async () => {
    servers = await Promise.all(['s1', 's2', 's3'].map((n) => startTestBackend(n)));
    gw = await startGateway({
      accessLog: false,
      frontends: [
        ...algorithms.map((name) => ({ name, listen: '127.0.0.1:0', backend: name })),
        { name: 'weighted', listen: '127.0.0.1:0', backend: 'weighted' },
      ],
      backends: [
        ...algorithms.map((balance) => ({
          name: balance, balance, hash: balance === 'hash' ? { on: 'uri' as const } : undefined,
          servers: servers.map((s) => ({ name: s.name, address: s.address })),
        })),
        { name: 'weighted', balance: 'roundrobin', servers: servers.map((s, i) => ({ name: s.name, address: s.address, weight: i === 0 ? 3 : 1 })) },
      ],
    });
  });
  after(async () => {
    await gw.stop(100);
    await Promise.all(servers.map((s) => s.stop()));
  });

  test('roundrobin: equal shares; weights 3:1:1 give 60/20/20', async () => {
    assert.deepEqual(await counts(gw.ports().roundrobin, 90), { s1: 30, s2: 30, s3: 30 });
    assert.deepEqual(await counts(gw.ports().weighted, 50), { s1: 30, s2: 10, s3: 10 });
  });

  for (const name of ['leastconn', 'random', 'p2c-ewma'] as const) {
    test(`${name}: every server takes a share`, async () => {
      // Four concurrent loops: strictly one request at a time, P2C-EWMA's spread is decided by
      // latency noise alone (the server with the highest first-connection peak waits out the
      // 10 s decay); with requests in flight the cost (latency × (in-flight + 1)) spreads them.
      // P2C-EWMA may also keep a server whose first connection was slow at a small share until
      // that peak decays (seen in CI: 8 of 150); what must never happen is a starved server.
      const min = name === 'p2c-ewma' ? 3 : 10;
      const c = await parallelCounts(gw.ports()[name], 150, 4);
      assert.equal(Object.values(c).reduce((x, y) => x + y, 0), 150);
      for (const s of ['s1', 's2', 's3']) assert.ok((c[s] ?? 0) >= min, `${name} ${JSON.stringify(c)}`);
    });
  }

  test('hash on uri: the same URI always lands on the same server, different URIs spread', async () => {
    const port = gw.ports().hash;
    const seen = new Set<string>();
    for (let u = 0; u < 30; u++) {
      const c = await counts(port, 3, `/item/${u}`);
      assert.equal(Object.keys(c).length, 1, `uri /item/${u}: ${JSON.stringify(c)}`);
      seen.add(Object.keys(c)[0]);
    }
    assert.equal(seen.size, 3);
  });

  test('first: everything to the first server while it has room', async () => {
    assert.deepEqual(await counts(gw.ports().first, 20), { s1: 20 });
  });
});

describe('health: active checks, passive ejection, admin states', () => {
  let s1: TestBackend;
  let s2: TestBackend;
  let backup: TestBackend;
  let gw: Gateway;
  const interval = 100;

  before(async () => {
    [s1, s2, backup] = await Promise.all(['s1', 's2', 'bk'].map((n) => startTestBackend(n)));
    gw = await startGateway({
      accessLog: false,
      frontends: [
        { name: 'checked', listen: '127.0.0.1:0', backend: 'checked' },
        { name: 'passive', listen: '127.0.0.1:0', backend: 'passive' },
      ],
      backends: [
        {
          name: 'checked', balance: 'roundrobin', panicThreshold: 0,
          check: { type: 'http', path: '/healthz', interval: `${interval}ms`, rise: 2, fall: 3, timeout: '500ms' },
          servers: [{ name: 's1', address: s1.address }, { name: 's2', address: s2.address }, { name: 'bk', address: backup.address, backup: true }],
        },
        {
          name: 'passive', balance: 'roundrobin', panicThreshold: 0,
          outlier: { consecutiveErrors: 3, baseEjectionTime: '30s' },
          retries: { attempts: 0 },
          servers: [{ name: 's1', address: s1.address }, { name: 's2', address: s2.address }],
        },
      ],
    });
  });
  after(async () => {
    await gw.stop(100);
    await Promise.all([s1.stop(), s2.stop(), backup.stop()]);
  });

  const state = (backend: string, server: string) =>
    gw.stats().backends.find((b) => b.name === backend)!.servers.find((s) => s.name === server)!.state;

  test('a failing server is marked DOWN within fall × interval and UP again within rise × interval', async () => {
    s1.health = 500;
    const down = await waitFor(() => state('checked', 's1') === 'DOWN', 3000);
    assert.ok(down <= 3 * interval + 1500, `down after ${down}ms`);
    assert.deepEqual(await counts(gw.ports().checked, 10), { s2: 10 });
    s1.health = 200;
    const up = await waitFor(() => state('checked', 's1') === 'UP', 3000);
    assert.ok(up <= 2 * interval + 1500, `up after ${up}ms`);
    const c = await counts(gw.ports().checked, 10);
    assert.equal(c.s1, 5);
  });

  test('backup servers take traffic only when no primary is up', async () => {
    assert.equal((await counts(gw.ports().checked, 6)).bk, undefined);
    s1.health = 500;
    s2.health = 500;
    try {
      await waitFor(() => state('checked', 's1') === 'DOWN' && state('checked', 's2') === 'DOWN', 3000);
      assert.deepEqual(await counts(gw.ports().checked, 5), { bk: 5 });
    } finally {
      s1.health = 200;
      s2.health = 200;
    }
    await waitFor(() => state('checked', 's1') === 'UP' && state('checked', 's2') === 'UP', 3000);
  });

  test('maint stops checks; ready starts them again', async () => {
    gw.setServer('checked', 's2', { state: 'maint' });
    await sleep(interval * 2);
    const before = s2.checks;
    await sleep(interval * 5);
    assert.equal(s2.checks, before, 'no checks while in maint');
    assert.deepEqual(await counts(gw.ports().checked, 4), { s1: 4 });
    gw.setServer('checked', 's2', { state: 'ready' });
    await waitFor(() => s2.checks > before, 2000);
  });

  test('drain: no new requests, but its keep-alive connections stay open', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await counts(gw.ports().checked, 6, '/', undefined, agent);
    const openBefore = s1.openConnections();
    assert.ok(openBefore >= 1);
    const hits = s1.hits;
    gw.setServer('checked', 's1', { state: 'drain' });
    try {
      assert.deepEqual(await counts(gw.ports().checked, 6, '/', undefined, agent), { s2: 6 });
      assert.equal(s1.hits, hits);
      assert.equal(s1.openConnections(), openBefore, 'upstream keep-alive connections are kept');
      assert.equal(state('checked', 's1'), 'DRAIN');
    } finally {
      gw.setServer('checked', 's1', { state: 'ready' });
      agent.destroy();
    }
  });

  test('passive: consecutive 5xx eject a server, traffic goes to the other', async () => {
    s1.status = 500;
    try {
      await counts(gw.ports().passive, 8);
      assert.equal(state('passive', 's1'), 'EJECTED');
      assert.deepEqual(await counts(gw.ports().passive, 6), { s2: 6 });
    } finally {
      s1.status = 200;
    }
  });
});

describe('p2c-ewma with one slow server', () => {
  let servers: TestBackend[];
  let gw: Gateway;

  before(async () => {
    servers = await Promise.all(['f1', 'f2', 'slow'].map((n) => startTestBackend(n)));
    servers[0].delay = 2;
    servers[1].delay = 2;
    servers[2].delay = 40; // 20× slower
    gw = await startGateway({
      accessLog: false,
      frontends: [{ name: 'ewma', listen: '127.0.0.1:0', backend: 'ewma' }, { name: 'rr', listen: '127.0.0.1:0', backend: 'rr' }],
      backends: ['ewma', 'rr'].map((name) => ({
        name, balance: name === 'ewma' ? 'p2c-ewma' as const : 'roundrobin' as const,
        servers: servers.map((s) => ({ name: s.name, address: s.address })),
      })),
    });
  });
  after(async () => {
    await gw.stop(100);
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function share(port: number): Promise<number> {
    const before = servers[2].hits;
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    let sent = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (sent < 240) {
        sent++;
        await httpRequest(port, { path: '/', agent });
      }
    }));
    agent.destroy();
    return (servers[2].hits - before) / sent;
  }

  test('sends the slow server a small share, where roundrobin sends it a third', async (t) => {
    const rr = await share(gw.ports().rr);
    const ewma = await share(gw.ports().ewma);
    t.diagnostic(`slow server share: roundrobin ${(rr * 100).toFixed(1)}%, p2c-ewma ${(ewma * 100).toFixed(1)}%`);
    assert.ok(rr > 0.3, `roundrobin share ${rr}`);
    assert.ok(ewma < 0.2, `p2c-ewma share ${ewma}`); // noisy machine: the fast servers look slower than they are
  });
});
