// The `platform:` section of tiered.yaml (schema owned by the platform component).
//
//   platform:
//     app: ./platform/demo/app.ts          # module whose default export is defineApp(...)
//     host: 127.0.0.1
//     port: 9100                           # `tiered platform --port` overrides it
//     db: { read: postgres://…@127.0.0.1:9001/postgres, write: postgres://…@127.0.0.1:9002/postgres, rywWait: 100ms }
//     sessionSecret: "${TIERED_SESSION_SECRET}"
//     grace: 10s
//     markerTtl: 60s
//     options: { celebrityFollowers: 1000 }   # handed to the app
import { z } from 'zod';
import { duration, url } from '../sdk/config/schema.js';

export const platformConfigSchema = z.strictObject({
  app: z.string().min(1).optional(),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(9100),
  db: z.strictObject({
    read: url('postgres:', 'postgresql:'),
    write: url('postgres:', 'postgresql:'),
    rywWait: duration().optional(),
    max: z.number().int().min(1).max(1000).optional(),
  }).optional(),
  sessionSecret: z.string().min(16, 'expected at least 16 characters').optional(),
  grace: duration().default(10_000),
  markerTtl: duration().default(60_000),
  options: z.record(z.string(), z.unknown()).default({}),
});

export type PlatformConfig = z.output<typeof platformConfigSchema>;
