// The demo's settings (`platform.options` in tiered.yaml), with defaults.
import { z } from 'zod';
import type { TimelineSettings } from './timeline.js';

export const demoSettingsSchema = z.object({
  /** Authors with at least this many followers are not fanned out: merged at read time. */
  celebrityFollowers: z.number().int().min(1).default(1000),
  /** Post ids kept per home timeline. */
  timelineLength: z.number().int().min(10).max(10_000).default(400),
  /** Posts per page of a home timeline / a user's posts. */
  pageSize: z.number().int().min(1).max(200).default(50),
  /** Redis key prefix of the timelines. */
  prefix: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('demo'),
});

export type DemoSettings = z.output<typeof demoSettingsSchema>;

export function demoSettings(options: Record<string, unknown> = {}): DemoSettings {
  return demoSettingsSchema.parse(options);
}

export function timelineSettings(s: DemoSettings): TimelineSettings {
  return { prefix: s.prefix, length: s.timelineLength, ttlSeconds: 7 * 86_400 };
}

/** Lower-cased hashtags of a post, each once. */
export function hashtags(body: string): string[] {
  return [...new Set([...body.matchAll(/#([\p{L}\p{N}_]{1,50})/gu)].map((m) => m[1].toLowerCase()))];
}
