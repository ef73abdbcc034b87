// The offline HTTP pattern and the queue view on node:http against a real Redis: 202 +
// Location, polling to the result, 400 for a bad payload, the view's dead letters and retry,
// and 503 at once (no hanging request) when Redis goes down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { defineJob } from '../job/define.js';
import { Producer } from '../producer.js';
import { WorkerGroup } from '../worker/group.js';
import { jobStatusHandler, offload } from './offline.js';
import { queueViewHandler } from './view.js';

let stack: TestStack;
let producer: Producer;
let group: WorkerGroup;
let server: Server;
let base: string;
let failNext = true;

const report = defineJob({
  name: 'report', schema: z.object({ user: z.string().min(1) }), attempts: 1,
  handler: async ({ user }, ctx) => { await ctx.progress(50); if (user === 'broken' && failNext) throw new Error('report failed'); return { rows: user.length }; },
});

before(async () => {
  stack = await startTestStack({ redis: true });
  producer = new Producer({ redis: stack.redis.url, prefix: 'ht', enqueueTimeout: 1_000 });
  group = await WorkerGroup.start({ redis: stack.redis.url, prefix: 'ht', jobs: [report] });
  const status = jobStatusHandler(producer);
  const view = queueViewHandler({ producer });
  server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === '/reports') {
      let body = '';
      for await (const chunk of req) body += chunk;
      await offload(res, producer, report, JSON.parse(body || '{}'));
    } else if (req.url?.startsWith('/queues')) await view(req, res);
    else await status(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await group?.close(500);
  await new Promise((r) => server?.close(r));
  await producer?.close();
  await stack?.stop();
});

async function poll(location: string, timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await (await fetch(`${base}${location}`)).json() as { status: string };
    if (body.status === 'completed' || body.status === 'failed' || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('202 Accepted with Location, then the status resource reaches the result', async () => {
  const res = await fetch(`${base}/reports`, { method: 'POST', body: JSON.stringify({ user: 'ada' }) });
  assert.equal(res.status, 202);
  const location = res.headers.get('location')!;
  assert.match(location, /^\/jobs\/report:\d+$/);
  const body = await res.json() as { id: string; status: string };
  assert.equal(body.status, 'queued');
  const done = await poll(location);
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.result, { rows: 3 });
  assert.equal(done.progress, 50);
  assert.equal((await fetch(`${base}/jobs/report:999999`)).status, 404);
});

test('an invalid payload gets 400 with the bad field, and nothing is enqueued', async () => {
  const before = await producer.queue('report').count();
  const res = await fetch(`${base}/reports`, { method: 'POST', body: JSON.stringify({ user: '' }) });
  assert.equal(res.status, 400);
  const body = await res.json() as { problems: string[] };
  assert.match(body.problems[0], /^payload\.user: /);
  assert.equal(await producer.queue('report').count(), before);
});

test('the queue view lists the dead letter and retries it', async () => {
  const res = await fetch(`${base}/reports`, { method: 'POST', body: JSON.stringify({ user: 'broken' }) });
  const location = res.headers.get('location')!;
  assert.equal((await poll(location)).status, 'failed');
  const html = await (await fetch(`${base}/queues`)).text();
  assert.match(html, /<td>report<\/td>/);
  assert.match(html, /report failed/);
  const json = await (await fetch(`${base}/queues?format=json`)).json() as { queues: { queue: string; counts: { failed: number } }[] };
  assert.equal(json.queues.find((q) => q.queue === 'report')?.counts.failed, 1);
  failNext = false;
  const ref = decodeURIComponent(location.slice('/jobs/'.length));
  const retried = await fetch(`${base}/queues/retry`, { method: 'POST', body: new URLSearchParams({ ref }), redirect: 'manual' });
  assert.equal(retried.status, 303);
  assert.equal((await poll(location)).status, 'completed');
});

test('with Redis down, enqueue and status answer 503 at once instead of hanging', async () => {
  await stack.kill('redis');
  try {
    const started = Date.now();
    const res = await fetch(`${base}/reports`, { method: 'POST', body: JSON.stringify({ user: 'late' }) });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.equal((await fetch(`${base}/jobs/report:1`)).status, 503);
    assert.ok(Date.now() - started < 5_000, `answered in ${Date.now() - started} ms`);
  } finally {
    await stack.restart('redis');
  }
  // …and the producer works again once Redis is back.
  const deadline = Date.now() + 15_000;
  let status = 0;
  while (status !== 202 && Date.now() < deadline) {
    status = (await fetch(`${base}/reports`, { method: 'POST', body: JSON.stringify({ user: 'back' }) })).status;
    if (status !== 202) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 202);
});
