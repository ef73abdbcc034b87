// The demo's jobs, run by `tiered worker --module platform/demo/jobs.ts`:
// - `timeline.fanout`: push a new post's id into each follower's home timeline (bounded);
// - `trending.map` / `trending.reduce` (map-reduce over ranges of recent posts) and the
//   `trending.start` job the `trending` schedule enqueues every minute.
// The worker reaches PostgreSQL and Redis through TIERED_DEMO_DB (the write port or primary URL)
// and TIERED_DEMO_REDIS (the timelines' Redis), set by `tiered up`; settings via TIERED_DEMO_OPTIONS (JSON).
// With TIERED_DEMO_PLATFORM (the platform's URL, :9000) the fan-out also warms the post's cache
// entry through the platform, so followers' next pages find it cached.
import pg from 'pg';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { defineJob } from '../../queue/job/define.js';
import { defineSchedule } from '../../queue/cron/define.js';
import { defineMapReduce, mapReduce } from '../../queue/mapreduce.js';
import { Producer } from '../../queue/producer.js';
import { withInvalidation } from '../../cache/outbox/write.js';
import { demoSettings, hashtags, timelineSettings, type DemoSettings } from './settings.js';
import { pushToTimelines } from './timeline.js';

interface WorkerDeps {
  db: pg.Pool;
  redis: Redis;
  settings: DemoSettings;
  producer: Producer;
  namespace: string;
}

let deps: WorkerDeps | undefined;

function workerDeps(): WorkerDeps {
  if (deps) return deps;
  const url = process.env.TIERED_DEMO_DB;
  const redisUrl = process.env.TIERED_DEMO_REDIS;
  if (!url || !redisUrl) throw new Error('the demo jobs need TIERED_DEMO_DB (postgres://…) and TIERED_DEMO_REDIS (redis://…)');
  const db = new pg.Pool({ connectionString: url, max: 4 });
  db.on('error', () => {});
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', () => {});
  const options = process.env.TIERED_DEMO_OPTIONS ? (JSON.parse(process.env.TIERED_DEMO_OPTIONS) as Record<string, unknown>) : {};
  deps = {
    db, redis, settings: demoSettings(options),
    producer: new Producer({ redis: redisUrl, prefix: process.env.TIERED_DEMO_QUEUE_PREFIX ?? 'tiered' }),
    namespace: process.env.TIERED_DEMO_CACHE_NAMESPACE ?? 'tiered',
  };
  return deps;
}

export const fanout = defineJob({
  name: 'timeline.fanout',
  schema: z.object({ postId: z.number().int().positive(), authorId: z.number().int().positive() }),
  attempts: 5,
  concurrency: 4,
  handler: async ({ postId, authorId }, ctx) => {
    const { db, redis, settings } = workerDeps();
    const s = timelineSettings(settings);
    let pushed = 0;
    let after = 0;
    // Followers in pages (keyset), so a large audience never sits in memory at once.
    for (;;) {
      const { rows } = await db.query<{ id: string }>('SELECT follower_id::text AS id FROM demo_follows WHERE followee_id = $1 AND follower_id > $2 ORDER BY follower_id LIMIT 5000', [authorId, after]);
      if (rows.length === 0) break;
      pushed += await pushToTimelines(redis, s, rows.map((r) => r.id), postId);
      after = Number(rows[rows.length - 1].id);
      if (ctx.signal.aborted) throw new Error('fan-out interrupted');
    }
    return { pushed, warmed: await warmPost(postId) };
  },
});

/**
 * Reads the post once through the platform (GET /posts/:id): its read-through fill caches it
 * with the platform's own rules (floors, markers, not-found confirmation). Best effort.
 */
async function warmPost(postId: number): Promise<boolean> {
  const platform = process.env.TIERED_DEMO_PLATFORM;
  if (!platform) return false;
  try {
    const res = await fetch(`${platform.replace(/\/$/, '')}/posts/${postId}`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Counts hashtags of the posts with ids in [from, to]. */
async function countRange({ from, to }: { from: number; to: number }): Promise<Record<string, number>> {
  const { db } = workerDeps();
  const { rows } = await db.query<{ body: string }>('SELECT body FROM demo_posts WHERE id BETWEEN $1 AND $2', [from, to]);
  const counts: Record<string, number> = {};
  for (const { body } of rows) for (const tag of hashtags(body)) counts[tag] = (counts[tag] ?? 0) + 1;
  return counts;
}

export const trending = defineMapReduce({
  name: 'trending',
  inputSchema: z.object({ from: z.number().int(), to: z.number().int() }),
  map: countRange,
  reduce: async (results: Record<string, number>[]) => {
    const total = new Map<string, number>();
    for (const counts of results) for (const [tag, n] of Object.entries(counts)) total.set(tag, (total.get(tag) ?? 0) + n);
    const top = [...total].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10).map(([tag, count]) => ({ tag, count }));
    const { db, namespace } = workerDeps();
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO demo_trending (id, computed_at, posts, tags) VALUES (1, now(), $1, $2)
        ON CONFLICT (id) DO UPDATE SET computed_at = EXCLUDED.computed_at, posts = EXCLUDED.posts, tags = EXCLUDED.tags`, [results.length, JSON.stringify(top)]);
      await withInvalidation(client, ['trending'], [], { namespace });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    return top;
  },
});

/** Splits the last hour's posts into id ranges and starts the map-reduce. */
export const trendingStart = defineJob({
  name: 'trending.start',
  schema: z.object({}).passthrough(),
  attempts: 2,
  handler: async () => {
    const { db, producer } = workerDeps();
    const { rows } = await db.query<{ lo: string | null; hi: string | null }>("SELECT min(id)::text AS lo, max(id)::text AS hi FROM demo_posts WHERE created_at > now() - interval '1 hour'");
    const lo = Number(rows[0]?.lo ?? 0);
    const hi = Number(rows[0]?.hi ?? 0);
    if (!lo) return { ranges: 0 };
    const step = Math.max(1000, Math.ceil((hi - lo + 1) / 8));
    const ranges: { from: number; to: number }[] = [];
    for (let from = lo; from <= hi; from += step) ranges.push({ from, to: Math.min(hi, from + step - 1) });
    const { ref } = await mapReduce(producer, trending, ranges);
    return { ranges: ranges.length, ref };
  },
});

export const trendingSchedule = defineSchedule({ name: 'trending', pattern: '0 * * * * *', job: trendingStart });

export default [fanout, ...trending.jobs, trendingStart, trendingSchedule];
