// The timeline demo's tables, as platform migrations (run at start, each once).
export const migrations = [
  {
    id: '001-users-follows-posts',
    sql: `
CREATE TABLE IF NOT EXISTS demo_users (
  id         bigserial PRIMARY KEY,
  handle     text NOT NULL UNIQUE,
  name       text NOT NULL,
  bio        text NOT NULL DEFAULT '',
  followers  integer NOT NULL DEFAULT 0,
  following  integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS demo_follows (
  follower_id bigint NOT NULL REFERENCES demo_users(id),
  followee_id bigint NOT NULL REFERENCES demo_users(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id),
  CHECK (follower_id <> followee_id)
);
CREATE INDEX IF NOT EXISTS demo_follows_followee ON demo_follows (followee_id, follower_id);
CREATE TABLE IF NOT EXISTS demo_posts (
  id         bigserial PRIMARY KEY,
  author_id  bigint NOT NULL REFERENCES demo_users(id),
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS demo_posts_author ON demo_posts (author_id, id DESC);`,
  },
  {
    id: '002-trending',
    sql: `
CREATE TABLE IF NOT EXISTS demo_trending (
  id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  computed_at timestamptz NOT NULL,
  posts       integer NOT NULL,
  tags        jsonb NOT NULL
);`,
  },
];
