// The smart client against three real HTTP servers on loopback.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeadlineExceededError, NoHostAvailableError } from '../errors.js';
import { seededRng } from '../random.js';
import { runConcurrently, startBackends, type TestBackend } from '../testing/backends.js';
import { eventually } from '../testing/eventually.js';
import { createHttpClient, type HttpClient } from './client.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
});

async function backends(n: number, behaviour = {}): Promise<TestBackend[]> {
  const list = await startBackends(n, behaviour);
  cleanups.push(() => Promise.all(list.map((b) => b.kill())));
  return list;
}

function client(options: Parameters<typeof createHttpClient>[0]): HttpClient {
  const c = createHttpClient({ rng: seededRng(11), ...options });
  cleanups.push(() => c.close());
  return c;
}

describe('smart HTTP client', () => {
  test('a killed host: zero failed idempotent requests, the host is ejected and gets no more traffic', async () => {
    const hosts = await backends(3, { delay: 2 });
    const c = client({ hosts: hosts.map((h) => h.url) });
    let failures = 0;
    const call = async () => {
      try {
        const res = await c.get('/users/42');
        await res.dump();
        if (res.status !== 200) failures++;
      } catch {
        failures++;
      }
    };
    await runConcurrently(60, 6, call);
    await hosts[1].kill();
    await runConcurrently(300, 6, call);
    assert.equal(failures, 0);
    const dead = c.hosts().find((h) => h.host === hosts[1].url)!;
    assert.equal(dead.outlier, 'ejected');
    const before = dead.requests;
    await runConcurrently(100, 6, call);
    assert.equal(c.hosts().find((h) => h.host === hosts[1].url)!.requests, before, 'ejected host still got requests');
    assert.equal(failures, 0);
  });

  test('a host 20× slower loses most of the traffic (p2c-ewma)', async () => {
    const hosts = await backends(3, { delay: 5 });
    hosts[2].behaviour.delay = 100;
    const c = client({ hosts: hosts.map((h) => h.url) });
    await runConcurrently(400, 8, async () => (await c.get('/')).dump());
    const share = hosts[2].hits / (hosts[0].hits + hosts[1].hits + hosts[2].hits);
    assert.ok(share < 0.15, `slow host share ${share.toFixed(3)} (round robin would be 0.33)`);
  });

  test('hedging fires only past the percentile and stays under the extra-load cap', async () => {
    const rng = seededRng(5);
    let slow = 0;
    const hosts = await backends(3, { delay: () => (rng() < 0.02 ? (slow++, 250) : 8) });
    const c = client({ hosts: hosts.map((h) => h.url), hedge: { percentile: 90, maxExtra: 0.05, minSamples: 50 }, retry: false });
    const total = 600;
    const results = await runConcurrently(total, 4, async () => {
      const delay = c.stats().hedge!.delay; // the live estimate this request hedges after
      const started = performance.now();
      const res = await c.get('/');
      await res.dump();
      return { hedged: res.hedged, attempts: res.attempts, elapsed: performance.now() - started, delay };
    });
    const sent = hosts.reduce((n, h) => n + h.hits, 0);
    const extra = sent - total;
    const { hedge } = c.stats();
    // A hedge cancelled before it reached the server is not seen there: extra ≤ hedges.
    assert.ok(extra <= hedge!.hedges, `${extra} extra requests but only ${hedge!.hedges} hedges`);
    assert.ok(hedge!.hedges <= 0.05 * total + 1, `hedges ${hedge!.hedges} over the 5% cap`);
    assert.ok(extra > 0, 'no hedge fired although 2% of answers take 250 ms');
    assert.ok(slow > 0);
    const delay = hedge!.delay!;
    assert.ok(delay >= 8 && delay < 100, `hedge delay ${delay} should sit at the fast p90`);
    for (const r of results.filter((x) => x.attempts > 1)) {
      assert.ok(r.delay !== undefined, 'a hedge fired before there were enough samples');
      // timers may fire up to ~1 ms early against performance.now()
      assert.ok(r.elapsed >= r.delay - 2, `a hedge fired after ${r.elapsed.toFixed(1)} ms, before the delay ${r.delay} ms`);
    }
    assert.ok(results.some((r) => r.hedged), 'no hedge ever won against a 250 ms straggler');
    // The losing attempts were cancelled: nothing stays in flight, and their hosts were not charged with failures.
    const deadline = Date.now() + 3_000;
    while (c.hosts().some((h) => h.inFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(c.hosts().map((h) => h.inFlight), [0, 0, 0]);
    assert.deepEqual(c.hosts().map((h) => h.failures), [0, 0, 0]);
  });

  test('the retry budget stops a retry storm when every host fails', async () => {
    const hosts = await backends(3, { status: 503 });
    const c = client({ hosts: hosts.map((h) => h.url), retry: { budget: 0.2, attempts: 3 }, outlier: false });
    const total = 300;
    const started = performance.now();
    const statuses = await runConcurrently(total, 10, async () => {
      const res = await c.get('/');
      await res.dump();
      return res.status;
    });
    const seconds = (performance.now() - started) / 1000;
    assert.ok(statuses.every((s) => s === 503), 'the last 503 is returned, not thrown');
    const sent = hosts.reduce((n, h) => n + h.hits, 0);
    const allowed = total * 1.2 + 3 * (seconds + 1) + 20;
    assert.ok(sent <= allowed, `sent ${sent} > ${allowed.toFixed(0)} (no budget: ${total * 3})`);
    assert.ok(c.stats().retry!.exhausted > 0);
  });

  test('POST is not retried after a 503 or a reset, but is retried after a connect failure', async () => {
    const hosts = await backends(2, { status: 503 });
    const c = client({ hosts: hosts.map((h) => h.url), balance: 'roundrobin', outlier: false });
    const res = await c.request({ method: 'POST', path: '/orders', body: { item: 1 } });
    await res.dump();
    assert.equal(res.status, 503);
    assert.equal(hosts[0].hits + hosts[1].hits, 1);
    await hosts[0].kill();
    hosts[1].behaviour.status = 201;
    for (let i = 0; i < 4; i++) {
      const ok = await c.request({ method: 'POST', path: '/orders', body: 'x' });
      await ok.dump();
      assert.equal(ok.status, 201);
    }
  });

  test('deadline: the remaining budget goes downstream; a slow answer ends in DeadlineExceededError', async () => {
    const [slow] = await backends(1, { delay: 2_000 });
    const c = client({ hosts: [slow.url], timeout: 150 });
    const started = performance.now();
    await assert.rejects(c.get('/'), (e: unknown) => e instanceof DeadlineExceededError && e.code === 'TIERED_ERR_SDK_DEADLINE');
    assert.ok(performance.now() - started < 1_500);
    assert.ok(slow.deadlines.length >= 1 && slow.deadlines[0] <= 150 && slow.deadlines[0] > 50, `deadline header ${slow.deadlines}`);
  });

  test('deadline header: only where a timeout was set (client or request), always when named, never when false', async () => {
    const [host] = await backends(1);
    const send = async (c: HttpClient, init?: { timeout: number }) => (await c.get('/', init)).dump();
    await send(client({ hosts: [host.url] }));
    assert.deepEqual(host.deadlines, [], 'implicit 10 s budget: no header');
    await send(client({ hosts: [host.url] }), { timeout: 5_000 });
    const seen = () => host.deadlines.length;
    assert.equal(seen(), 1);
    assert.ok(host.deadlines[0] <= 5_000 && host.deadlines[0] > 4_000, `request timeout ${host.deadlines}`);
    await send(client({ hosts: [host.url], deadlineHeader: 'x-tiered-deadline-ms' }));
    assert.ok(seen() === 2 && host.deadlines[1] > 9_000, `named header, default budget ${host.deadlines}`);
    await send(client({ hosts: [host.url], timeout: '3s', deadlineHeader: false }));
    assert.equal(seen(), 2, 'false: never');
  });

  test('AbortSignal cancels the request', async () => {
    const [slow] = await backends(1, { delay: 2_000 });
    const c = client({ hosts: [slow.url] });
    const controller = new AbortController();
    const pending = c.get('/', { signal: controller.signal });
    pending.catch(() => {}); // a failure before the abort is reported by assert.rejects below, not as an unhandled rejection
    await eventually('the request reached the host', () => slow.hits === 1, 5_000);
    assert.equal(c.hosts()[0].inFlight, 1);
    controller.abort();
    await assert.rejects(pending, (e: unknown) => (e as Error).name === 'AbortError');
    assert.equal(c.hosts()[0].inFlight, 0);
  });

  test('active health checks take a host out after `fall` failed checks and back after `rise`', async () => {
    const hosts = await backends(2);
    const c = client({ hosts: hosts.map((h) => h.url), health: { path: '/healthz', interval: 30, timeout: 2_000, rise: 2, fall: 2 } });
    hosts[0].behaviour.healthy = false;
    const deadline = Date.now() + 5_000;
    while (c.hosts()[0].healthy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.hosts()[0].healthy, false);
    const before = hosts[0].hits;
    await runConcurrently(50, 4, async () => (await c.get('/')).dump());
    assert.equal(hosts[0].hits, before, 'a host marked down still got traffic');
    hosts[0].behaviour.healthy = true;
    while (!c.hosts()[0].healthy && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.hosts()[0].healthy, true);
  });

  test('no host at all is a named error', async () => {
    const hosts = await backends(1);
    const c = client({ hosts: [hosts[0].url], panicThreshold: false, outlier: false });
    c.pool.update(hosts[0].url, { admin: 'maint' });
    await assert.rejects(c.get('/'), NoHostAvailableError);
  });

  test('discovery from a gateway /stats.json follows the gateway view', async () => {
    const hosts = await backends(3);
    let doc = {
      backends: [{ name: 'platform', servers: hosts.map((h, i) => ({ name: `s${i}`, address: h.url.replace('http://', ''), admin: i === 2 ? 'maint' : 'ready', state: i === 2 ? 'MAINT' : 'UP' })) }],
    };
    const stats = http.createServer((_req, res) => res.end(JSON.stringify(doc)));
    await new Promise<void>((r) => stats.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => stats.close(r)));
    const url = `http://127.0.0.1:${(stats.address() as AddressInfo).port}/stats.json`;
    const c = client({ discovery: { gateway: { url, backend: 'platform', interval: 50 } } });
    await c.ready;
    await runConcurrently(30, 3, async () => (await c.get('/')).dump());
    assert.equal(hosts[2].hits, 0, 'a server in maint at the gateway got traffic');
    assert.ok(hosts[0].hits > 0 && hosts[1].hits > 0);
    doc = { backends: [{ name: 'platform', servers: [{ name: 's2', address: hosts[2].url, admin: 'ready', state: 'UP' }] as never }] };
    const deadline = Date.now() + 5_000;
    while (c.hosts().length !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(c.hosts().map((h) => h.host), [hosts[2].url]);
  });

  test('DNS discovery resolves a name to hosts', async () => {
    const [host] = await backends(1);
    const c = client({ discovery: { dns: { name: 'localhost', port: host.port, interval: '1s' } } });
    await c.ready;
    const res = await c.get('/');
    assert.equal(res.status, 200);
    await res.dump();
  });
});
