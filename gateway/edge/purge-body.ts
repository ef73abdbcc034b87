// The body of `POST /edge/purge` (admin port) and of a purge on the Redis bus:
// `{"keys":[…]}` (surrogate keys), `{"urls":[…]}` (a path: any host; an absolute URL: that
// host), `{"all":true}`, each with `"soft": true` to mark objects stale instead of removing them.
import { z } from 'zod';
import { EdgePurgeBodyError } from './errors.js';

/** Most keys or URLs one purge may name. */
export const MAX_PURGE_ITEMS = 10_000;

const controlFree = (s: string) => { for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c < 0x20 || c === 0x7f) return false; } return true; };
const item = z.string().min(1).max(2048).refine(controlFree, 'expected no control characters');

export const purgeBodySchema = z.strictObject({
  keys: z.array(item).max(MAX_PURGE_ITEMS).optional(),
  urls: z.array(item).max(MAX_PURGE_ITEMS).optional(),
  all: z.literal(true).optional(),
  soft: z.boolean().default(false),
}).refine((v) => (v.keys?.length ?? 0) + (v.urls?.length ?? 0) > 0 || v.all === true, 'expected keys, urls or all: true');

export type PurgeRequest = z.output<typeof purgeBodySchema>;

/** Parses a purge body (JSON text); an EdgePurgeBodyError names what is wrong. */
export function parsePurgeBody(text: string): PurgeRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EdgePurgeBodyError('expected JSON like {"keys":["product-42"]}, {"urls":["/p/42"]} or {"all":true}');
  }
  const parsed = purgeBodySchema.safeParse(value);
  if (!parsed.success) throw new EdgePurgeBodyError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}
