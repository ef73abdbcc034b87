// The `edge:` section of an HTTP frontend (gateway.frontends[].edge): the CDN edge cache in front
// of its backend. Defaults live here, on the schema; gateway/config.ts composes it.
import { z } from 'zod';
import { duration, size } from '../../sdk/config/schema.js';

export const edgeConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Memory store bound: objects are evicted least recently used by size. */
  maxBytes: size().default(256 * 1024 * 1024),
  /** A larger response streams through uncached (and is remembered as hit-for-miss). */
  maxObjectBytes: size().default(8 * 1024 * 1024),
  /** Stale-while-revalidate when the origin gives none: serve stale this long past expiry while one refresh runs. */
  grace: duration().default(10_000),
  /** Keep stale objects this long past expiry: revalidation (304) and stale-if-error within it. */
  keep: duration().default(3_600_000),
  /** An uncacheable answer makes its key pass straight to the origin for this long (Varnish: hit-for-miss). */
  hitForMiss: duration().default(10_000),
  /** Query parameters left out of the cache key (`utm_*` style prefixes end with `*`; `*` drops the whole query). */
  ignoreQuery: z.array(z.string().min(1)).default([]),
  /** Store and serve br/gzip variants of uncompressed text when the client accepts them. */
  compress: z.boolean().default(true),
  store: z.enum(['memory', 'redis']).default('memory'),
  /** Redis for `store: redis` and for the purge bus (every gateway instance hears every purge). */
  redis: z.strictObject({
    url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'),
    prefix: z.string().default('tiered:edge:'),
  }).optional(),
}).superRefine((value, ctx) => {
  if (value.store === 'redis' && !value.redis) ctx.addIssue({ code: 'custom', path: ['redis'], message: 'expected redis: { url } with store: redis, got nothing' });
  if (value.maxObjectBytes > value.maxBytes) ctx.addIssue({ code: 'custom', path: ['maxObjectBytes'], message: `expected at most maxBytes (${value.maxBytes}), got ${value.maxObjectBytes}` });
});

export type EdgeInput = z.input<typeof edgeConfigSchema>;
export type EdgeConfig = z.output<typeof edgeConfigSchema>;

export function parseEdgeConfig(input: unknown): EdgeConfig {
  return edgeConfigSchema.parse(input ?? {});
}
