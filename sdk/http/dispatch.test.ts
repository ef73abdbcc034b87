// The retry and hedge rules of dispatch(), with a scripted dispatcher (no sockets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ServerPool } from '../balance/server-pool.js';
import { UpstreamError } from '../errors.js';
import { HedgePolicy } from '../hedge.js';
import { seededRng } from '../random.js';
import { RetryBudget } from '../retry-budget.js';
import { dispatch, type DispatchContext } from './dispatch.js';
import { createClientMetrics } from './metrics.js';

type Script = (host: string) => Promise<number>; // resolves to a status, or rejects with a transport error

function body(): Dispatcher.ResponseData['body'] {
  const stream = Readable.from([]) as unknown as Dispatcher.ResponseData['body'];
  Object.assign(stream, { dump: async () => {}, text: async () => '' });
  return stream;
}

function context(script: Script, hosts = ['http://a', 'http://b', 'http://c']): { ctx: DispatchContext; calls: string[]; aborted: string[] } {
  const calls: string[] = [];
  const aborted: string[] = [];
  const pool = new ServerPool(hosts.map((id) => ({ id })), { balance: 'roundrobin', rng: seededRng(1), outlier: false });
  const ctx: DispatchContext = {
    pool,
    dispatcherFor: (server) => ({
      // The callback form of undici's request(), as the client calls it.
      request: (options: Dispatcher.RequestOptions<unknown>, callback: (err: Error | null, data: Dispatcher.ResponseData<unknown>) => void) => {
        calls.push(server.id);
        const { opaque } = options;
        let answered = false;
        const answer = (error: Error | null, data: Dispatcher.ResponseData<unknown>) => {
          if (answered) return;
          answered = true;
          callback(error, data);
        };
        // An attempt hands itself to undici as an EventEmitter-shaped signal when it can be cut.
        (options.signal as unknown as EventEmitter | undefined)?.once('abort', () => {
          aborted.push(server.id);
          answer(Object.assign(new Error('aborted'), { name: 'AbortError', code: 'UND_ERR_ABORTED' }), { opaque } as Dispatcher.ResponseData<unknown>);
        });
        script(server.id).then(
          (statusCode) => answer(null, { statusCode, statusText: '', headers: {}, body: body(), trailers: {}, opaque, context: {} }),
          (error: Error) => answer(error, { opaque } as Dispatcher.ResponseData<unknown>),
        );
      },
    }) as unknown as Dispatcher,
    budget: new RetryBudget(),
    maxAttempts: 3,
    metrics: createClientMetrics('test'),
    clock: () => performance.now(),
  };
  return { ctx, calls, aborted };
}

const reset = () => Promise.reject(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
const get = { request: { method: 'GET', path: '/', headers: {} }, idempotent: true, timeout: 5_000 };
const post = { request: { method: 'POST', path: '/', headers: {}, body: 'x' }, idempotent: false, timeout: 5_000 };

test('GET after a reset is retried on another host', async () => {
  const { ctx, calls } = context((host) => (host === 'http://a' ? reset() : Promise.resolve(200)));
  const res = await dispatch(ctx, get);
  assert.equal(res.status, 200);
  assert.equal(res.attempts, 2);
  assert.equal(new Set(calls).size, 2, 'retried on the same host');
});

test('POST after a reset is not retried (bytes may have reached the server)', async () => {
  const { ctx, calls } = context(() => reset());
  await assert.rejects(dispatch(ctx, post), UpstreamError);
  assert.equal(calls.length, 1);
});

test('POST after a connect failure is retried: it never reached a server', async () => {
  const { ctx, calls } = context((host) => (host === 'http://a' ? refused() : Promise.resolve(201)));
  assert.equal((await dispatch(ctx, post)).status, 201);
  assert.equal(calls.length, 2);
});

test('500 is not retried; 503 is, up to the attempt limit, and the last 503 is returned', async () => {
  const five = context(() => Promise.resolve(500));
  assert.equal((await dispatch(five.ctx, get)).status, 500);
  assert.equal(five.calls.length, 1);
  const unavailable = context(() => Promise.resolve(503));
  const res = await dispatch(unavailable.ctx, get);
  assert.equal(res.status, 503);
  assert.deepEqual(unavailable.calls, ['http://a', 'http://b', 'http://c']);
});

test('no retry without budget', async () => {
  const { ctx, calls } = context(() => Promise.resolve(503));
  ctx.budget = new RetryBudget({ ratio: 0, minConcurrent: 0 });
  assert.equal((await dispatch(ctx, get)).status, 503);
  assert.equal(calls.length, 1);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Host a answers after `slowMs`, the others at once; the hedge delay is ≈ 5 ms. */
function hedged(slowMs: number) {
  const made = context((host) => (host === 'http://a' ? sleep(slowMs).then(() => 200) : Promise.resolve(200)));
  made.ctx.hedge = new HedgePolicy({ minSamples: 1, maxExtra: 1, reserve: 0 });
  for (let i = 0; i < 5; i++) made.ctx.hedge.onRequest();
  made.ctx.hedge.record(5);
  return { ...made, a: made.ctx.pool.get('http://a')! };
}

test('the loser of a hedge race is cut as soon as the hedge wins', async () => {
  const { ctx, aborted, a } = hedged(400);
  assert.equal((await dispatch(ctx, get)).host, 'http://b');
  assert.deepEqual(aborted, ['http://a']);
  assert.equal(a.totals.cancelled, 1);
});
