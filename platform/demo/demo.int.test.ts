// The timeline demo on real servers (PostgreSQL primary + replica, memcached, Redis), platform
// and worker in this process: the poster reads their post at once with the replica's replay
// paused; a follower gets it through the fan-out job; a celebrity's post is merged at read
// time; a profile change reaches readers; trending hashtags through the map-reduce.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestStack, type TestStack } from '../../ops/stack/testing.js';
import { createCache, createOutboxRelay, type Cache, type OutboxRelay } from '../../cache/index.js';
import { Producer, WorkerGroup } from '../../queue/index.js';
import { createDbClient, type DbClient } from '../../sdk/db/index.js';
import { createPlatform, SESSION_HEADER, type Platform } from '../index.js';

let stack: TestStack;
let db: DbClient;
let cache: Cache;
let producer: Producer;
let platform: Platform;
let workers: WorkerGroup;
let base: string;
let replica: pg.Client;
let relay: OutboxRelay;
const purged: string[] = [];

async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...(token ? { [SESSION_HEADER]: token } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as any;
  return { status: res.status, json, token: res.headers.get(SESSION_HEADER) ?? undefined, headers: res.headers };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    assert.ok(Date.now() < end, `not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ids: Record<string, number> = {};

before(async () => {
  stack = await startTestStack({ redis: true, memcached: 1, postgres: true, replica: true });
  Object.assign(process.env, { TIERED_DEMO_DB: stack.postgres.primary.url, TIERED_DEMO_REDIS: stack.redis.url, TIERED_DEMO_OPTIONS: JSON.stringify({ celebrityFollowers: 3 }), TIERED_DEMO_QUEUE_PREFIX: 'dm', TIERED_DEMO_CACHE_NAMESPACE: 'dm' });
  const app = (await import('./app.js')).default;
  const jobs = await import('./jobs.js');
  db = createDbClient({ read: stack.postgres.replica!.url, write: stack.postgres.primary.url });
  cache = createCache({ store: { memcached: [stack.memcached[0].address] }, bus: { redis: stack.redis.url }, namespace: 'dm' });
  producer = new Producer({ redis: stack.redis.url, prefix: 'dm' });
  platform = createPlatform({ db, cache, queue: producer, app, options: { celebrityFollowers: 3 }, replicaUrl: stack.postgres.replica!.url });
  assert.deepEqual(await platform.prepare(), ['001-users-follows-posts', '002-trending']);
  assert.deepEqual(await platform.prepare(), [], 'migrations run once');
  base = `http://127.0.0.1:${(await platform.listen(0)).port}`;
  workers = await WorkerGroup.start({ redis: stack.redis.url, prefix: 'dm', jobs: [jobs.fanout, ...jobs.trending.jobs, jobs.trendingStart] });
  // The outbox relay, as tiered up runs it: applies what the worker's reduce (plain SQL, no cache
  // client) records, and hands surrogate keys to the edge purger.
  relay = createOutboxRelay({ db: stack.postgres.primary.url, cache, purger: async (keys) => { purged.push(...keys); } });
  await relay.start();
  replica = new pg.Client({ connectionString: stack.postgres.replica!.url });
  await replica.connect();
  for (const h of ['alice', 'bob', 'carol', 'dan', 'erin', 'star']) {
    const r = await call('POST', '/users', { handle: h, name: h.toUpperCase() });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    ids[h] = r.json.id;
  }
  // bob follows alice; bob, carol, dan follow star (3 followers: a celebrity at threshold 3).
  for (const [a, b] of [['bob', 'alice'], ['bob', 'star'], ['carol', 'star'], ['dan', 'star']]) {
    assert.equal((await call('POST', `/users/${ids[a]}/follow`, { followee: ids[b] })).status, 200);
  }
});

after(async () => {
  await workers?.close(1000);
  await relay?.stop();
  await platform?.close();
  await producer?.close();
  await cache?.close();
  await db?.close();
  await replica?.end().catch(() => {});
  await stack?.stop();
  setTimeout(() => process.exit(0), 200).unref(); // the jobs module's own pool and Redis
});

describe('timeline demo', () => {
  test('validation: bad handle, missing body, unknown user', async () => {
    const r = await call('POST', '/users', { handle: 'Bad Handle', name: '' });
    assert.equal(r.status, 400);
    assert.ok(r.json.problems.some((p: string) => p.startsWith('handle:')));
    assert.ok(r.json.problems.some((p: string) => p.startsWith('name:')));
    assert.equal((await call('POST', `/users/${ids.alice}/posts`, {})).json.problems[0].split(':')[0], 'body');
    assert.equal((await call('POST', '/users/99999/posts', { body: 'x' })).status, 404);
    assert.equal((await call('POST', '/users', { handle: 'alice', name: 'again' })).status, 409);
    assert.equal((await call('POST', `/users/${ids.alice}/follow`, { followee: ids.alice })).status, 400);
  });

  test('post with replay paused: the poster sees it at once; the follower after the fan-out job', async () => {
    await call('GET', `/users/${ids.bob}/home`); // bob's list exists (fan-out pushes only into existing lists)
    await call('GET', `/users/${ids.alice}/posts`); // cached before the post
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      const posted = await call('POST', `/users/${ids.alice}/posts`, { body: 'hello #tiered world' });
      assert.equal(posted.status, 201);
      assert.equal(posted.json.fannedOut, true);
      assert.match(posted.headers.get('x-tiered-jobs')!, /^timeline\.fanout:/);
      const mine = await call('GET', `/users/${ids.alice}/posts`, undefined, posted.token);
      assert.equal(mine.json[0]?.body, 'hello #tiered world', 'read-your-writes on the poster\'s own posts');
      const ownHome = await call('GET', `/users/${ids.alice}/home`, undefined, posted.token);
      assert.equal(ownHome.json.posts[0]?.id, posted.json.id, 'and on their home timeline');
      const bobHome = await eventually('bob sees alice\'s post', async () => {
        const h = await call('GET', `/users/${ids.bob}/home`);
        return h.json.posts.some((p: { id: number }) => p.id === posted.json.id) ? h : undefined;
      });
      assert.equal(bobHome.json.posts[0].author.handle, 'alice');
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
  });

  test('a celebrity\'s post is merged at read time (no fan-out job)', async () => {
    const posted = await call('POST', `/users/${ids.star}/posts`, { body: 'big news' });
    assert.equal(posted.json.fannedOut, false);
    assert.equal(posted.headers.get('x-tiered-jobs'), null);
    for (const reader of ['bob', 'carol', 'dan']) {
      const h = await call('GET', `/users/${ids[reader]}/home`);
      assert.ok(h.json.posts.some((p: { id: number }) => p.id === posted.json.id), `${reader} sees the celebrity's post`);
    }
    assert.ok(!(await call('GET', `/users/${ids.erin}/home`)).json.posts.some((p: { id: number }) => p.id === posted.json.id), 'not a follower');
    // The cached path (fan-out + read-time merge) gives the same page as the join on every request.
    const cached = (await call('GET', `/users/${ids.bob}/home`)).json.posts.map((p: { id: number }) => p.id);
    const joined = (await call('GET', `/users/${ids.bob}/home-uncached`)).json.posts.map((p: { id: number }) => p.id);
    assert.deepEqual(cached, joined);
  });

  test('a profile change reaches readers; profiles carry Cache-Control and Surrogate-Key', async () => {
    const before = await call('GET', `/users/${ids.alice}`);
    assert.equal(before.json.name, 'ALICE');
    assert.equal(before.headers.get('surrogate-key'), `user:${ids.alice}`);
    assert.match(before.headers.get('cache-control')!, /max-age=30/);
    assert.equal(before.json.followers, 1);
    assert.equal((await call('PUT', `/users/${ids.alice}`, { name: 'Alice A.' })).status, 200);
    assert.equal((await call('GET', `/users/${ids.alice}`)).json.name, 'Alice A.');
    const { rows } = await db.write<{ surrogate_keys: string[] }>('SELECT surrogate_keys FROM tiered_cache_outbox ORDER BY id DESC LIMIT 1'); // applied rows are deleted
    assert.ok(rows.length === 0 || rows[0].surrogate_keys.length > 0);
    await eventually('the relay purged the profile\'s surrogate key', async () => (purged.includes(`user:${ids.alice}`) ? true : undefined));
    const h = await call('GET', `/users/${ids.bob}/home`);
    assert.equal(h.json.posts.find((p: { author: { id: number } }) => p.author.id === ids.alice).author.name, 'Alice A.');
  });

  test('trending hashtags: the start job splits recent posts and the map-reduce writes the top tags (cached value invalidated through the outbox)', async () => {
    await call('POST', `/users/${ids.bob}/posts`, { body: '#tiered again #Cache' });
    assert.deepEqual((await call('GET', '/trending')).json.tags, [], 'cached before the run');
    const { ref } = await producer.enqueue((await import('./jobs.js')).trendingStart, {});
    await eventually('trending computed', async () => {
      const s = await producer.status(ref);
      return s?.status === 'completed' ? s : undefined;
    }, 30_000);
    const t = await eventually('trending visible', async () => {
      const r = await call('GET', '/trending');
      return r.json.tags?.length ? r : undefined;
    }, 30_000);
    assert.deepEqual(t.json.tags[0], { tag: 'tiered', count: 2 });
  });
});
