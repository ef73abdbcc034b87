// The queue view mounted on the gateway's admin port (what `tiered up` and `tiered gateway -c`
// do): real Redis, real BullMQ queue, real admin socket; token and cross-site refusal enforced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { startGateway } from '../gateway/gateway.js';
import { defineJob } from '../queue/job/define.js';
import { Producer } from '../queue/producer.js';
import { queueViewMount } from './queue-view.js';
import { startTestStack, type TestStack } from './stack/testing.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ redis: true });
});
after(async () => {
  await stack.stop();
});

test('GET /queues on the admin port shows queued jobs; the token guards it; cross-site POSTs are refused', async () => {
  const job = defineJob({ name: 'thumbnail', schema: z.object({ id: z.number() }), handler: async () => {} });
  const producer = new Producer({ redis: stack.redis.url, prefix: 'viewtest' });
  const view = queueViewMount(stack.redis.url, 'viewtest');
  const gateway = await startGateway({ admin: { listen: '127.0.0.1:0', token: 's3cret' } }, { adminMounts: [view.mount] });
  try {
    await producer.enqueue(job, { id: 1 });
    await producer.enqueue(job, { id: 2 });
    const base = `http://127.0.0.1:${gateway.ports().admin}`;
    const auth = { authorization: 'Bearer s3cret' };

    assert.equal((await fetch(`${base}/queues`)).status, 401);
    const page = await fetch(`${base}/queues`, { headers: auth });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /thumbnail/);

    const crossSite = await fetch(`${base}/queues/retry-all`, {
      method: 'POST', headers: { ...auth, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'queue=thumbnail',
    });
    assert.equal(crossSite.status, 403);
  } finally {
    await gateway.stop();
    await view.close();
    await producer.close();
  }
});

test('regression (fuzz): a retry naming no known queue is a 404 (not a 500 from BullMQ), an oversized form a 413, and the view still answers', async () => {
  const job = defineJob({ name: 'known', schema: z.object({ id: z.number() }), handler: async () => {} });
  const producer = new Producer({ redis: stack.redis.url, prefix: 'hostile' });
  const view = queueViewMount(stack.redis.url, 'hostile');
  const gateway = await startGateway({ admin: { listen: '127.0.0.1:0', token: 's3cret' } }, { adminMounts: [view.mount] });
  try {
    await producer.enqueue(job, { id: 1 });
    const base = `http://127.0.0.1:${gateway.ports().admin}`;
    const post = (path: string, body: string) => fetch(`${base}${path}`, {
      method: 'POST', redirect: 'manual', headers: { authorization: 'Bearer s3cret', 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
    assert.equal((await post('/queues/retry-all', '')).status, 404); // BullMQ: "Queue name must be provided" (was a 500)
    assert.equal((await post('/queues/retry-all', 'queue=a%3Ab')).status, 404);
    assert.equal((await post('/queues/retry-all', 'queue=made-up')).status, 404);
    assert.equal((await post('/queues/retry', 'ref=made-up%3A1')).status, 404);
    assert.equal((await post('/queues/retry', 'ref=%3A')).status, 404);
    assert.equal((await post('/queues/retry-all', `queue=${'q'.repeat(20_000)}`)).status, 413);
    assert.equal((await post('/queues/retry-all', 'queue=known')).status, 303);
    assert.equal((await post('/queues/retry', 'ref=known%3A999')).status, 303);
    assert.equal((await fetch(`${base}/queues?format=json`, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
  } finally {
    await gateway.stop();
    await view.close();
    await producer.close();
  }
});
