// The bytes Tiered stores for one entry: a small header (freshness times, XFetch delta, tag
// versions, negative flag) and the serialized value. Layout:
//   'T' 0x01 | u32 BE header length | header JSON | payload (serializer output)
// Freshness lives in the entry, not in the store TTL: the store TTL is fresh + grace, so a
// stale copy stays available to serve while the loader fails.
import { DecodeError } from './errors.js';
import type { EntryTimes } from './freshness.js';

export interface Serializer {
  serialize(value: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
}

/** JSON (UTF-8). Dates become strings, undefined inside objects is dropped, as JSON does. */
export const jsonSerializer: Serializer = {
  serialize: (value) => Buffer.from(JSON.stringify(value) ?? 'null'),
  deserialize: (bytes) => JSON.parse(bytes.toString('utf8')),
};

export interface Entry<T = unknown> extends EntryTimes {
  /** Tag name → version current when the value was loaded. */
  tags: Record<string, string>;
  /** A cached "not found" (negative caching): value is undefined. */
  negative: boolean;
  value: T | undefined;
}

interface Header {
  c: number;
  f: number;
  s: number;
  d: number;
  t?: Record<string, string>;
  n?: 1;
}

const MAGIC = 0x54;
const FORMAT = 0x01;

export function encodeEntry(entry: Entry, serializer: Serializer): Buffer {
  const header: Header = { c: entry.createdAt, f: entry.freshUntil, s: entry.staleUntil, d: entry.delta };
  if (Object.keys(entry.tags).length) header.t = entry.tags;
  if (entry.negative) header.n = 1;
  const head = Buffer.from(JSON.stringify(header));
  const payload = entry.negative ? Buffer.alloc(0) : serializer.serialize(entry.value);
  const prefix = Buffer.allocUnsafe(6);
  prefix[0] = MAGIC;
  prefix[1] = FORMAT;
  prefix.writeUInt32BE(head.length, 2);
  return Buffer.concat([prefix, head, payload]);
}

/** Most tags one entry may record (more is not something encodeEntry writes: foreign bytes). */
const MAX_TAGS = 1024;

/** Throws unless the header is exactly what encodeEntry writes (finite times in order, string tags). */
function checkHeader(header: unknown): asserts header is Header {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error('header is not an object');
  const h = header as Record<string, unknown>;
  for (const field of ['c', 'f', 's', 'd'] as const) {
    if (typeof h[field] !== 'number' || !Number.isFinite(h[field])) throw new Error(`header.${field} is not a finite number`);
  }
  if ((h.f as number) > (h.s as number) || (h.d as number) < 0) throw new Error('header times out of order');
  if (h.n !== undefined && h.n !== 1) throw new Error('header.n is not 1');
  if (h.t !== undefined) {
    if (typeof h.t !== 'object' || h.t === null || Array.isArray(h.t)) throw new Error('header.t is not an object');
    const tags = Object.entries(h.t);
    if (tags.length > MAX_TAGS) throw new Error(`header.t has over ${MAX_TAGS} tags`);
    for (const [tag, version] of tags) {
      if (tag.length === 0 || typeof version !== 'string') throw new Error('header.t holds an empty tag or a non-string version');
    }
  }
}

export function decodeEntry<T>(key: string, bytes: Buffer, serializer: Serializer): Entry<T> {
  try {
    if (!Buffer.isBuffer(bytes) || bytes.length < 6 || bytes[0] !== MAGIC || bytes[1] !== FORMAT) throw new Error('not a Tiered cache entry');
    const headLength = bytes.readUInt32BE(2);
    if (6 + headLength > bytes.length) throw new Error(`truncated: header of ${headLength} bytes in ${bytes.length}`);
    const header: unknown = JSON.parse(bytes.subarray(6, 6 + headLength).toString('utf8'));
    checkHeader(header);
    const negative = header.n === 1;
    if (negative && bytes.length !== 6 + headLength) throw new Error('negative entry with a payload');
    const value = negative ? undefined : (serializer.deserialize(bytes.subarray(6 + headLength)) as T);
    return { createdAt: header.c, freshUntil: header.f, staleUntil: header.s, delta: header.d, tags: header.t ?? {}, negative, value };
  } catch (error) {
    throw error instanceof DecodeError ? error : new DecodeError(key, error);
  }
}
