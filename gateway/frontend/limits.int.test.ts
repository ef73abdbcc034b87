// Limits against real sockets: maxconn + bounded queue + queueTimeout → 503, queued requests
// take whichever slot frees, 1,000 aborted requests leave no upstream socket, slowloris is cut
// off, per-IP rate limit → 429 with Retry-After, sticky cookie.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway, type Gateway } from '../gateway.js';
import { httpRequest, startTestBackend, type TestBackend, HTTP_ENGINES, withEngine } from '../test-backends.js';

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs}ms`);
    await sleep(20);
  }
}

for (const engine of HTTP_ENGINES) describe(`gateway limits (${engine} engine)`, () => {
  let s1: TestBackend;
  let s2: TestBackend;
  let hang: TestBackend;
  let gw: Gateway;

  before(async () => {
    [s1, s2, hang] = await Promise.all(['s1', 's2', 'hang'].map((n) => startTestBackend(n)));
    hang.handler = () => true; // never answers
    gw = await startGateway({
      accessLog: false,
      frontends: [
        { name: 'queue', listen: '127.0.0.1:0', backend: 'queue' },
        { name: 'pair', listen: '127.0.0.1:0', backend: 'pair' },
        { name: 'hang', listen: '127.0.0.1:0', backend: 'hang' },
        { name: 'slowloris', listen: '127.0.0.1:0', backend: 'pair', timeouts: { headers: '400ms' } },
        { name: 'limited', listen: '127.0.0.1:0', backend: 'pair', rateLimit: { rate: 2, burst: 5 } },
        { name: 'sticky', listen: '127.0.0.1:0', backend: 'sticky' },
      ],
      backends: withEngine(engine, [
        { name: 'queue', servers: [{ name: 's1', address: s1.address, maxconn: 1 }], maxQueue: 1, queueTimeout: '300ms' },
        { name: 'pair', balance: 'roundrobin', servers: [{ name: 's1', address: s1.address, maxconn: 1 }, { name: 's2', address: s2.address, maxconn: 1 }], queueTimeout: '5s' },
        { name: 'hang', servers: [{ name: 'hang', address: hang.address }] },
        { name: 'sticky', balance: 'roundrobin', sticky: { cookie: 'SRV' }, servers: [{ name: 's1', address: s1.address }, { name: 's2', address: s2.address }] },
      ]),
    });
  });
  after(async () => {
    await gw.stop(100);
    await Promise.all([s1.stop(), s2.stop(), hang.stop()]);
  });

  test('maxconn + bounded queue: one served, one times out in the queue, one refused (503)', async () => {
    s1.delay = 800;
    try {
      const port = gw.ports().queue;
      const queuedNow = () => gw.stats().backends.find((b) => b.name === 'queue')!.queued;
      const hits = s1.hits;
      const first = httpRequest(port, { path: '/1' });
      await waitFor(() => s1.hits > hits, 5000); // the first holds the only slot
      const queued = httpRequest(port, { path: '/2' });
      await waitFor(() => queuedNow() === 1, 5000); // the second waits in the queue
      const refused = httpRequest(port, { path: '/3' });
      const [r1, r2, r3] = await Promise.all([first, queued, refused]);
      assert.equal(r1.status, 200);
      assert.equal(r2.status, 503);
      assert.match(r2.body, /no server slot freed in time/);
      assert.equal(r3.status, 503);
      assert.match(r3.body, /queue full/);
      assert.equal(gw.stats().backends.find((b) => b.name === 'queue')!.queueTimeouts, 1);
    } finally {
      s1.delay = 0;
    }
  });

  test('a queued request takes the first slot that frees on any server', async () => {
    s1.delay = 2000;
    s2.delay = 300;
    try {
      const port = gw.ports().pair;
      const [h1, h2] = [s1.hits, s2.hits];
      const a = httpRequest(port, { path: '/a' });
      const b = httpRequest(port, { path: '/b' });
      await waitFor(() => s1.hits > h1 && s2.hits > h2, 5000); // both slots taken
      const started = Date.now();
      const c = await httpRequest(port, { path: '/c' });
      assert.equal(c.status, 200);
      assert.match(c.body, /^s2 /);
      assert.ok(Date.now() - started < 1800, 'did not wait for the slow server');
      await Promise.all([a, b]);
    } finally {
      s1.delay = 0;
      s2.delay = 0;
    }
  });

  test('1,000 aborted requests leave no upstream socket and nothing in flight', async () => {
    const port = gw.ports().hang;
    for (let batch = 0; batch < 10; batch++) {
      const target = hang.hits + 100;
      const requests = Array.from({ length: 100 }, () => {
        const req = request({ host: '127.0.0.1', port, path: '/never', agent: false });
        const closed = new Promise<void>((resolve) => req.on('close', () => resolve()));
        req.on('error', () => {});
        req.end();
        return { req, closed };
      });
      await waitFor(() => hang.hits >= target, 20_000); // every request reached the server...
      for (const r of requests) r.req.destroy(); // ...then every client goes away
      await Promise.all(requests.map((r) => r.closed));
    }
    assert.equal(hang.hits, 1000);
    // undici destroys an aborted request's socket, then connects once more for the aborted
    // request before it drops it: that spare connection idles out after 4 s.
    await waitFor(() => {
      const server = gw.stats().backends.find((b) => b.name === 'hang')!.servers[0];
      return server.inFlight === 0 && server.openSockets!.active === 0 && hang.openConnections() === 0;
    }, 10_000);
  });

  test('slowloris: a client dribbling its headers is cut off by headersTimeout', async () => {
    const port = gw.ports().slowloris;
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => socket.write('X-A: b\r\n'), 100);
      socket.on('close', () => {
        clearInterval(drip);
        resolve(Date.now() - started);
      });
      setTimeout(() => socket.destroy(), 8000);
    });
    assert.ok(closedAfter < 5000, `connection closed after ${closedAfter}ms`);
  });

  test('per-IP rate limit: 429 with Retry-After past the burst', async () => {
    const port = gw.ports().limited;
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await httpRequest(port, { path: '/r' });
      statuses.push(res.status);
      if (res.status === 429) retryAfter ??= String(res.headers['retry-after']);
    }
    assert.equal(statuses.filter((s) => s === 200).length >= 5, true);
    assert.ok(statuses.includes(429), JSON.stringify(statuses));
    assert.match(retryAfter!, /^\d+$/);
  });

  test('sticky cookie: the server set in the cookie keeps the client', async () => {
    const port = gw.ports().sticky;
    const first = await httpRequest(port, { path: '/s' });
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    const server = first.body.split(' ')[0];
    assert.equal(cookie, `SRV=${server}`);
    for (let i = 0; i < 6; i++) {
      const res = await httpRequest(port, { path: '/s', headers: { cookie } });
      assert.equal(res.body.split(' ')[0], server);
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });
});
