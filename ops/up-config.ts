// The `up:` section of tiered.yaml: what `tiered up` runs besides the stack and the gateway.
//
//   up:
//     demo: true                       # the timeline demo: web tier, platform, worker, cron (needs PostgreSQL)
//     apps: [http://127.0.0.1:3000]    # your own apps behind :8080 instead of the demo web tier (--app)
//     listen: { web: 127.0.0.1:8080, platform: 127.0.0.1:9000, dbRead: 127.0.0.1:9001, dbWrite: 127.0.0.1:9002, admin: 127.0.0.1:8404 }
//     ports: { web: 3100, platform: 9100 }   # first instance port of each tier; the next ones follow
//     instances: { web: 2, platform: 2 }
//     seed: { users: 200, followsPerUser: 20, posts: 2000 }   # or false; only into an empty database
//     options: { celebrityFollowers: 50 }                      # the demo's settings (platform/demo/settings.ts)
import { z } from 'zod';
import { hostPort, url } from '../sdk/config/schema.js';

const port = z.number().int().min(1).max(65535);

export const upConfigSchema = z.strictObject({
  demo: z.boolean().default(true),
  apps: z.array(url('http:', 'https:')).default([]),
  listen: z.strictObject({
    web: hostPort().default('127.0.0.1:8080'),
    platform: hostPort().default('127.0.0.1:9000'),
    dbRead: hostPort().default('127.0.0.1:9001'),
    dbWrite: hostPort().default('127.0.0.1:9002'),
    admin: hostPort().default('127.0.0.1:8404'),
  }).prefault({}),
  ports: z.strictObject({ web: port.default(3100), platform: port.default(9100) }).prefault({}),
  instances: z.strictObject({ web: z.number().int().min(1).max(16).default(2), platform: z.number().int().min(1).max(16).default(2) }).prefault({}),
  seed: z.union([z.literal(false), z.strictObject({
    users: z.number().int().min(0).default(200),
    followsPerUser: z.number().int().min(0).default(20),
    posts: z.number().int().min(0).default(2000),
  })]).prefault({}),
  options: z.record(z.string(), z.unknown()).default({ celebrityFollowers: 50 }),
});

export type UpConfig = z.output<typeof upConfigSchema>;
