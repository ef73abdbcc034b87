// The timeline demo on the platform framework: users, follows and posts in PostgreSQL.
// Posting writes on the primary and enqueues a fan-out job (jobs.ts) that pushes the post id
// into each follower's home timeline in Redis; authors with `celebrityFollowers` or more are not
// fanned out but merged in at read time, as is the reader's own recent posts (read-your-writes).
// Profiles carry Cache-Control and `Surrogate-Key: user:{id}`, purged through the outbox.
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { defineApp, defineCommand, defineResource, type ResourceContext } from '../define.js';
import { HttpError } from '../errors.js';
import { fanout } from './jobs.js';
import { migrations } from './schema.js';
import { demoSettings, timelineSettings, type DemoSettings } from './settings.js';
import { dropTimeline, mergeNewest, readTimeline, storeTimeline } from './timeline.js';

export interface Profile { id: number; handle: string; name: string; bio: string; followers: number; following: number }
export interface Post { id: number; authorId: number; body: string; createdAt: string }
export interface TimelineEntry extends Post { author: { id: number; handle: string; name: string } }

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const handle = z.string().regex(/^[a-z0-9_]{1,30}$/, 'expected 1-30 lower-case letters, digits or _');
const PROFILE_SQL = 'SELECT id::int, handle, name, bio, followers, following FROM demo_users';
const POST_SQL = "SELECT id::int, author_id::int AS \"authorId\", body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS \"createdAt\" FROM demo_posts";

/** Rows in the order of the inputs (undefined where none). */
const byId = <R extends { id: number }>(rows: R[], inputs: { id: number }[]): (R | undefined)[] => {
  const map = new Map(rows.map((r) => [r.id, r]));
  return inputs.map((i) => map.get(i.id));
};

const settingsOf = (ctx: { services: Record<string, unknown> }) => ctx.services.settings as DemoSettings;
const redisOf = (ctx: { services: Record<string, unknown> }) => {
  const redis = ctx.services.redis as Redis | undefined;
  if (!redis) throw new HttpError(503, 'timelines need Redis (queue: section)');
  return redis;
};
/** Redis calls with the producer's fail-fast rules: they wait for the first connection, and Redis down is a 503. */
const guarded = <T>(ctx: { producer?: { guarded<R>(what: string, fn: () => Promise<R>): Promise<R> } }, what: string, fn: () => Promise<T>): Promise<T> =>
  ctx.producer ? ctx.producer.guarded(what, fn) : fn();

export const profile = defineResource({
  name: 'profile', path: '/users/:id', input: z.object({ id }),
  key: ({ id }) => `user:${id}`,
  load: async ({ id }, ctx) => (await ctx.read<Profile>(`${PROFILE_SQL} WHERE id = $1`, [id]))[0],
  loadMany: async (inputs, ctx) => byId(await ctx.read<Profile>(`${PROFILE_SQL} WHERE id = ANY($1::bigint[])`, [inputs.map((i) => i.id)]), inputs),
  headers: ({ id }, _v) => ({ 'cache-control': 'public, max-age=30', 'surrogate-key': `user:${id}` }),
});

export const byHandle = defineResource({
  name: 'user-by-handle', path: '/handles/:handle', input: z.object({ handle }),
  key: ({ handle }) => `handle:${handle}`,
  load: async ({ handle }, ctx) => (await ctx.read<{ id: number }>('SELECT id::int FROM demo_users WHERE handle = $1', [handle]))[0],
});

export const userPosts = defineResource({
  name: 'user-posts', path: '/users/:id/posts', input: z.object({ id }),
  key: ({ id }) => `posts:${id}`,
  load: async ({ id }, ctx) => ctx.read<Post>(`${POST_SQL} WHERE author_id = $1 ORDER BY id DESC LIMIT 50`, [id]),
  // Several authors' recent posts in one statement (the home timeline's own posts + celebrities).
  loadMany: async (inputs, ctx) => {
    const rows = await ctx.read<Post>(`SELECT x.* FROM unnest($1::bigint[]) a(id) CROSS JOIN LATERAL (${POST_SQL} WHERE author_id = a.id ORDER BY id DESC LIMIT 50) x`, [inputs.map((i) => i.id)]);
    return inputs.map((i) => rows.filter((r) => r.authorId === i.id).sort((a, b) => b.id - a.id));
  },
});

export const post = defineResource({
  name: 'post', path: '/posts/:id', input: z.object({ id }),
  key: ({ id }) => `post:${id}`,
  ttl: '1h', // posts never change
  load: async ({ id }, ctx) => (await ctx.read<Post>(`${POST_SQL} WHERE id = $1`, [id]))[0],
  loadMany: async (inputs, ctx) => byId(await ctx.read<Post>(`${POST_SQL} WHERE id = ANY($1::bigint[])`, [inputs.map((i) => i.id)]), inputs),
});

/** Followees of a user at or over the celebrity threshold: merged at read time. */
export const celebritiesFollowed = defineResource({
  name: 'celebrities-followed', path: '/users/:id/celebrities', input: z.object({ id }),
  key: ({ id }) => `celebs:${id}`,
  ttl: '1m', // also turns over as accounts cross the threshold
  load: async ({ id }, ctx) => (await ctx.read<{ id: number }>('SELECT u.id::int FROM demo_follows f JOIN demo_users u ON u.id = f.followee_id WHERE f.follower_id = $1 AND u.followers >= $2', [id, settingsOf(ctx).celebrityFollowers])).map((r) => r.id),
});

export const trending = defineResource({
  name: 'trending', path: '/trending', input: z.object({}),
  key: () => 'trending',
  ttl: '2m',
  load: async (_i, ctx) => (await ctx.read<{ computedAt: string; tags: { tag: string; count: number }[] }>("SELECT to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS \"computedAt\", tags FROM demo_trending WHERE id = 1"))[0] ?? { computedAt: null, tags: [] },
});

async function withAuthors(ctx: ResourceContext, posts: Post[]): Promise<TimelineEntry[]> {
  const ids = [...new Set(posts.map((p) => p.authorId))];
  const profiles = await ctx.getMany(profile, ids.map((a) => ({ id: a })));
  const authors = new Map(ids.map((a, i) => [a, profiles[i]]));
  return posts.map((p) => {
    const a = authors.get(p.authorId);
    return { ...p, author: { id: p.authorId, handle: a?.handle ?? '?', name: a?.name ?? '?' } };
  });
}

/** The home timeline: the fanned-out list (rebuilt from PostgreSQL when missing) + celebrities + own posts. */
export const home = defineResource({
  name: 'home', path: '/users/:id/home', input: z.object({ id, limit: z.coerce.number().int().min(1).max(200).optional() }),
  load: async ({ id, limit }, ctx) => {
    const s = settingsOf(ctx);
    const t = timelineSettings(s);
    const redis = redisOf(ctx);
    const me = await ctx.get(profile, { id });
    if (!me) return undefined;
    let ids = await guarded(ctx, 'read a home timeline', () => readTimeline(redis, t, id));
    if (ids === undefined) {
      const rows = await ctx.read<{ id: number }>(`SELECT p.id::int FROM demo_posts p JOIN demo_follows f ON f.followee_id = p.author_id JOIN demo_users u ON u.id = p.author_id
        WHERE f.follower_id = $1 AND u.followers < $2 ORDER BY p.id DESC LIMIT $3`, [id, s.celebrityFollowers, t.length]);
      ids = rows.map((r) => r.id);
      const rebuilt = ids;
      await guarded(ctx, 'store a home timeline', () => storeTimeline(redis, t, id, rebuilt));
    }
    const page = limit ?? s.pageSize;
    const pageIds = ids.slice(0, page);
    const [fannedAll, celebs] = await Promise.all([ctx.getMany(post, pageIds.map((p) => ({ id: p }))), ctx.get(celebritiesFollowed, { id })]);
    const fanned = fannedAll.filter((p): p is Post => p !== undefined);
    const merged = (await ctx.getMany(userPosts, [id, ...(celebs ?? [])].map((u) => ({ id: u })))).map((list) => list ?? []);
    return { user: { id: me.id, handle: me.handle }, posts: await withAuthors(ctx, mergeNewest([fanned, ...merged], page)) };
  },
});

/**
 * The same page computed from PostgreSQL on every request (join of follows and posts, no cache,
 * no fan-out): the baseline the timeline benchmark compares the cached path with.
 */
export const homeUncached = defineResource({
  name: 'home-uncached', path: '/users/:id/home-uncached', input: z.object({ id, limit: z.coerce.number().int().min(1).max(200).optional() }),
  load: async ({ id, limit }, ctx) => {
    const me = (await ctx.read<Profile>(`${PROFILE_SQL} WHERE id = $1`, [id]))[0];
    if (!me) return undefined;
    const rows = await ctx.read<Post & { handle: string; name: string }>(`SELECT p.id::int, p.author_id::int AS "authorId", p.body,
      to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt", u.handle, u.name
      FROM demo_posts p JOIN demo_users u ON u.id = p.author_id
      WHERE p.author_id = $1 OR p.author_id IN (SELECT followee_id FROM demo_follows WHERE follower_id = $1)
      ORDER BY p.id DESC LIMIT $2`, [id, limit ?? settingsOf(ctx).pageSize]);
    return { user: { id: me.id, handle: me.handle }, posts: rows.map(({ handle, name, ...p }) => ({ ...p, author: { id: p.authorId, handle, name } })) };
  },
});

export const createUser = defineCommand({
  name: 'create-user', path: '/users', status: 201,
  input: z.object({ handle, name: z.string().trim().min(1).max(80), bio: z.string().max(300).default('') }),
  run: async ({ handle, name, bio }, ctx) => {
    const { rows } = await ctx.tx.query<Profile>(`INSERT INTO demo_users (handle, name, bio) VALUES ($1, $2, $3) ON CONFLICT (handle) DO NOTHING RETURNING id::int, handle, name, bio, followers, following`, [handle, name, bio]);
    if (!rows[0]) throw new HttpError(409, `handle: "${handle}" is taken`);
    ctx.invalidate({ keys: [`handle:${handle}`] }); // a cached "not found"
    return rows[0];
  },
});

export const updateProfile = defineCommand({
  name: 'update-profile', method: 'PUT', path: '/users/:id',
  input: z.object({ id, name: z.string().trim().min(1).max(80).optional(), bio: z.string().max(300).optional() }),
  run: async ({ id, name, bio }, ctx) => {
    const { rows } = await ctx.tx.query<Profile>(`UPDATE demo_users SET name = coalesce($2, name), bio = coalesce($3, bio) WHERE id = $1 RETURNING id::int, handle, name, bio, followers, following`, [id, name ?? null, bio ?? null]);
    if (!rows[0]) throw new HttpError(404, `user ${id}: not found`);
    ctx.invalidate({ keys: [`user:${id}`], surrogateKeys: [`user:${id}`] });
    return rows[0];
  },
});

async function changeFollow(ctx: Parameters<Parameters<typeof defineCommand>[0]['run']>[1], follower: number, followee: number, on: boolean) {
  if (follower === followee) throw new HttpError(400, 'followee: cannot follow yourself');
  const sql = on
    ? 'INSERT INTO demo_follows (follower_id, followee_id) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM demo_users WHERE id = $1) AND EXISTS (SELECT 1 FROM demo_users WHERE id = $2) ON CONFLICT DO NOTHING'
    : 'DELETE FROM demo_follows WHERE follower_id = $1 AND followee_id = $2';
  const { rowCount } = await ctx.tx.query(sql, [follower, followee]);
  if (rowCount) {
    const d = on ? 1 : -1;
    await ctx.tx.query('UPDATE demo_users SET following = following + $2 WHERE id = $1', [follower, d]);
    await ctx.tx.query('UPDATE demo_users SET followers = followers + $2 WHERE id = $1', [followee, d]);
    ctx.invalidate({ keys: [`user:${follower}`, `user:${followee}`, `celebs:${follower}`], surrogateKeys: [`user:${follower}`, `user:${followee}`] });
    // The follower's home list no longer matches: rebuilt on the next read.
    const redis = ctx.services.redis as Redis | undefined;
    const t = timelineSettings(settingsOf(ctx));
    if (redis) ctx.afterCommit(() => dropTimeline(redis, t, follower));
  } else if (on) {
    const { rows } = await ctx.tx.query('SELECT count(*)::int AS n FROM demo_users WHERE id IN ($1, $2)', [follower, followee]);
    if (rows[0].n < 2) throw new HttpError(404, 'follower or followee: no such user');
  }
  return { follower, followee, following: on };
}

export const follow = defineCommand({
  name: 'follow', path: '/users/:id/follow', input: z.object({ id, followee: id }),
  run: ({ id, followee }, ctx) => changeFollow(ctx, id, followee, true),
});

export const unfollow = defineCommand({
  name: 'unfollow', path: '/users/:id/unfollow', input: z.object({ id, followee: id }),
  run: ({ id, followee }, ctx) => changeFollow(ctx, id, followee, false),
});

export const createPost = defineCommand({
  name: 'create-post', path: '/users/:id/posts', status: 201,
  input: z.object({ id, body: z.string().trim().min(1).max(280) }),
  run: async ({ id, body }, ctx) => {
    const { rows } = await ctx.tx.query<Post & { followers: number }>(`WITH p AS (INSERT INTO demo_posts (author_id, body) SELECT id, $2 FROM demo_users WHERE id = $1
      RETURNING id::int, author_id::int AS "authorId", body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt")
      SELECT p.*, u.followers FROM p JOIN demo_users u ON u.id = p."authorId"`, [id, body]);
    if (!rows[0]) throw new HttpError(404, `user ${id}: not found`);
    const { followers, ...created } = rows[0];
    ctx.invalidate({ keys: [`posts:${id}`] });
    // Celebrities are merged at read time; everyone else is fanned out by a worker.
    if (followers > 0 && followers < settingsOf(ctx).celebrityFollowers) ctx.enqueue(fanout, { postId: created.id, authorId: id });
    return { ...created, fannedOut: followers > 0 && followers < settingsOf(ctx).celebrityFollowers };
  },
});

export default defineApp({
  name: 'timeline',
  migrations,
  resources: [profile, byHandle, userPosts, post, celebritiesFollowed, trending, home, homeUncached],
  commands: [createUser, updateProfile, follow, unfollow, createPost],
  services: ({ options, producer }) => ({ settings: demoSettings(options), redis: producer?.redis }),
});
