// The edge store contract, run against every store: the memory store and the Redis store on a
// real redis-server. Objects read back whole (body, headers, policy), TTLs expire them, tags
// purge them (hard and soft), vary markers are kept apart, purge-all empties the store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import CachePolicy from 'http-cache-semantics';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { eventually } from '../../sdk/testing/eventually.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import type { EdgeObject } from './object.js';
import type { EdgeStore } from './store.js';

function object(body: string, tags: string[]): EdgeObject {
  const headers = { 'cache-control': 'max-age=60', etag: '"e"', 'content-type': 'text/plain' };
  const policy = new CachePolicy({ method: 'GET', url: '/', headers: { host: 'h' } }, { status: 200, headers }, { shared: true });
  return { kind: 'object', status: 200, headers, body: Buffer.from(body), policy, tags, encoding: 'identity', base: 1 };
}

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ redis: true });
});
after(async () => {
  await stack?.stop();
});

let seq = 0;
const stores: [string, () => EdgeStore][] = [
  ['memory', () => new MemoryStore(1024 * 1024, 64 * 1024)],
  ['redis', () => new RedisStore(stack.redis.url, `tiered:edge-contract:${++seq}:`)],
];

async function ready(store: EdgeStore): Promise<EdgeStore> {
  if (store instanceof RedisStore) await store.ready();
  return store;
}


for (const [name, make] of stores) {
  describe(`edge store contract: ${name}`, () => {
    test('an object reads back whole; a missing key is undefined', async () => {
      const store = await ready(make());
      try {
        await store.set('h/a', object('body a', ['key:a']), 60_000);
        const back = await store.get('h/a');
        assert.ok(back && back.kind === 'object');
        assert.equal(back.body.toString(), 'body a');
        assert.equal(back.headers.etag, '"e"');
        assert.equal(back.policy.maxAge(), 60);
        assert.equal(await store.get('h/none'), undefined);
      } finally {
        await store.close();
      }
    });

    test('TTL expires an object', async () => {
      const store = await ready(make());
      try {
        await store.set('h/ttl', object('x', []), 50);
        await eventually('expired', async () => (await store.get('h/ttl')) === undefined, 5000);
      } finally {
        await store.close();
      }
    });

    test('tags purge hard and soft; vary markers; purge-all', async () => {
      const store = await ready(make());
      try {
        await store.set('h/1', object('1', ['key:x', 'url:/1']), 60_000);
        await store.set('h/2', object('2', ['key:x', 'url:/2']), 60_000);
        await store.set('h/3', object('3', ['key:y']), 60_000);
        await store.set('h/v', { kind: 'vary', names: ['accept-language'], tags: ['url:/v'] }, 60_000);
        assert.equal(await store.purgeTags(['key:x'], true), 2);
        const soft = await store.get('h/1');
        assert.ok(soft?.kind === 'object' && soft.softPurged === true, 'soft purge marks stale');
        assert.equal(await store.purgeTags(['url:/2'], false), 1);
        assert.equal(await store.get('h/2'), undefined);
        assert.equal((await store.get('h/v'))?.kind, 'vary');
        assert.ok((await store.purgeAll(false)) >= 3);
        assert.equal(await store.get('h/3'), undefined);
        assert.equal(await store.get('h/v'), undefined);
      } finally {
        await store.close();
      }
    });
  });
}
