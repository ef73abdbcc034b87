// `tiered demo seed`: users, follows and posts in bulk, straight into PostgreSQL (the primary or
// the write port) with set-based INSERTs in batches. Follows are skewed (a few accounts get very
// many followers, so the celebrity path is exercised): followee rank = N · u³ for u uniform.
import pg from 'pg';

export interface SeedOptions {
  users: number;
  followsPerUser: number;
  posts: number;
  /** Rows per statement (10,000). */
  batch?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface SeedReport {
  users: number;
  follows: number;
  posts: number;
  ms: number;
}

export async function seed(db: pg.Pool | pg.Client, options: SeedOptions): Promise<SeedReport> {
  const started = Date.now();
  const batch = options.batch ?? 10_000;
  const progress = options.onProgress ?? (() => {});
  const base = Number((await db.query<{ n: string }>('SELECT coalesce(max(id), 0)::text AS n FROM demo_users')).rows[0].n);
  for (let done = 0; done < options.users; done += batch) {
    const n = Math.min(batch, options.users - done);
    await db.query(`INSERT INTO demo_users (handle, name, bio) SELECT 'user' || g, 'User ' || g, 'Seeded user number ' || g
      FROM generate_series($1::bigint, $2::bigint) g ON CONFLICT (handle) DO NOTHING`, [base + done + 1, base + done + n]);
    progress('users', done + n, options.users);
  }
  const { rows: [range] } = await db.query<{ lo: string; hi: string }>('SELECT min(id)::text AS lo, max(id)::text AS hi FROM demo_users');
  const lo = Number(range.lo);
  const count = Number(range.hi) - lo + 1;
  const userBatch = Math.max(1, Math.floor(batch / Math.max(1, options.followsPerUser)));
  const seeded = { lo: Number((await db.query<{ id: string }>("SELECT coalesce(min(id), 0)::text AS id FROM demo_users WHERE handle = 'user' || $1", [base + 1])).rows[0].id) };
  let follows = 0;
  if (options.followsPerUser > 0 && options.users > 0) {
    for (let done = 0; done < options.users; done += userBatch) {
      const n = Math.min(userBatch, options.users - done);
      const r = await db.query(`INSERT INTO demo_follows (follower_id, followee_id)
        SELECT x.u, x.f FROM (SELECT u, ($3::bigint + floor(power(random(), 3) * $4::bigint))::bigint AS f
          FROM generate_series($1::bigint, $2::bigint) u, generate_series(1, $5::int) k) x
        JOIN demo_users t ON t.id = x.f JOIN demo_users s ON s.id = x.u
        WHERE x.u <> x.f ON CONFLICT DO NOTHING`, [seeded.lo + done, seeded.lo + done + n - 1, lo, count, options.followsPerUser]);
      follows += r.rowCount ?? 0;
      progress('follows', done + n, options.users);
    }
    await db.query(`UPDATE demo_users u SET followers = c.n FROM (SELECT followee_id AS id, count(*)::int AS n FROM demo_follows GROUP BY 1) c WHERE c.id = u.id AND u.followers <> c.n`);
    await db.query(`UPDATE demo_users u SET following = c.n FROM (SELECT follower_id AS id, count(*)::int AS n FROM demo_follows GROUP BY 1) c WHERE c.id = u.id AND u.following <> c.n`);
  }
  for (let done = 0; done < options.posts && count > 0; done += batch) {
    const n = Math.min(batch, options.posts - done);
    await db.query(`INSERT INTO demo_posts (author_id, body, created_at)
      SELECT a.id, 'Post ' || g || ' from user ' || a.id || ' #topic' || (g % 17) || CASE WHEN g % 5 = 0 THEN ' #tiered' ELSE '' END, now() - (($3::bigint - g) * interval '50 ms')
      FROM generate_series($1::bigint, $2::bigint) g JOIN demo_users a ON a.id = $4::bigint + (g * 7919) % $5::bigint`, [done + 1, done + n, options.posts, lo, count]);
    progress('posts', done + n, options.posts);
  }
  return { users: options.users, follows, posts: options.posts, ms: Date.now() - started };
}

/** A one-line progress bar for a terminal (`\r`), or a line per 10 % otherwise. */
export function progressBar(write: (text: string) => void, tty: boolean): (stage: string, done: number, total: number) => void {
  let lastDecile = -1;
  let lastStage = '';
  return (stage, done, total) => {
    const share = total ? done / total : 1;
    if (tty) {
      const width = 30;
      const full = Math.round(share * width);
      write(`\r${stage.padEnd(8)} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)}% ${done}/${total}${done >= total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor(share * 10);
    if (stage !== lastStage) lastDecile = -1;
    lastStage = stage;
    if (decile > lastDecile) {
      lastDecile = decile;
      write(`${stage} ${Math.floor(share * 100)}% (${done}/${total})\n`);
    }
  };
}
