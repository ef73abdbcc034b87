// Home timelines in Redis: one bounded list of post ids per user (newest first), the way
// Twitter keeps them. Fan-out pushes only into lists that exist (LPUSHX): a user whose list has
// expired or was never built gets it rebuilt from PostgreSQL on their next read.
import type { Redis } from 'ioredis';

export const EMPTY = '0'; // keeps an empty timeline's list in existence

export const timelineKey = (prefix: string, user: number | string) => `${prefix}:tl:${user}`;

export interface TimelineSettings {
  prefix: string;
  /** Longest list kept per user. */
  length: number;
  /** A list not read (rebuilt) for this long expires (seconds). */
  ttlSeconds: number;
}

/** Pushes one post id into each follower's existing list; returns how many lists took it. */
export async function pushToTimelines(redis: Redis, s: TimelineSettings, followers: readonly (number | string)[], postId: number | string): Promise<number> {
  let pushed = 0;
  for (let i = 0; i < followers.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const f of followers.slice(i, i + 500)) {
      pipeline.lpushx(timelineKey(s.prefix, f), String(postId));
      pipeline.ltrim(timelineKey(s.prefix, f), 0, s.length - 1);
    }
    const results = (await pipeline.exec()) ?? [];
    for (let j = 0; j < results.length; j += 2) if (Number(results[j]?.[1]) > 0) pushed++;
  }
  return pushed;
}

/** The ids of a user's list (newest first), or undefined when it does not exist. */
export async function readTimeline(redis: Redis, s: TimelineSettings, user: number): Promise<number[] | undefined> {
  const key = timelineKey(s.prefix, user);
  const [[, exists], [, ids]] = (await redis.multi().exists(key).lrange(key, 0, s.length - 1).exec()) as [[unknown, number], [unknown, string[]]];
  if (!exists) return undefined;
  return ids.filter((id) => id !== EMPTY).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
}

/** Replaces a user's list with these ids (newest first). */
export async function storeTimeline(redis: Redis, s: TimelineSettings, user: number, ids: readonly number[]): Promise<void> {
  const key = timelineKey(s.prefix, user);
  const list = ids.length ? ids.slice(0, s.length).map(String) : [EMPTY];
  await redis.multi().del(key).rpush(key, ...list).expire(key, s.ttlSeconds).exec();
}

export async function dropTimeline(redis: Redis, s: TimelineSettings, user: number): Promise<void> {
  await redis.del(timelineKey(s.prefix, user));
}

/** Newest first, without duplicates, at most `limit`. */
export function mergeNewest<T extends { id: number }>(lists: readonly (readonly T[])[], limit: number): T[] {
  const byId = new Map<number, T>();
  for (const list of lists) for (const item of list) if (!byId.has(item.id)) byId.set(item.id, item);
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, limit);
}
