// A stored object and its freshness (pure over http-cache-semantics' CachePolicy, RFC 9111 +
// RFC 5861): fresh → hit; stale within stale-while-revalidate (the origin's, else the edge's
// `grace`) → served stale while one refresh runs; stale beyond it → revalidated before use, and
// served stale only if the origin fails, within stale-if-error (the origin's, else `keep`).
// must-revalidate, proxy-revalidate and no-cache forbid serving stale at all; s-maxage allows
// only the origin's own stale-while-revalidate / stale-if-error.
import CachePolicy from 'http-cache-semantics';
import type { Encoding } from './compress.js';

export interface EdgeObject {
  kind: 'object';
  status: number;
  /** Lowercase names, values as stored (hop-by-hop and surrogate headers removed). */
  headers: Record<string, string>;
  body: Buffer;
  policy: CachePolicy;
  /** Surrogate keys and URL tags (purges). */
  tags: string[];
  /** Encoding of `body` (a variant made by the edge: br or gzip). */
  encoding: Encoding;
  /** When the base object was received (a variant is valid for that base only). */
  base: number;
  /** A soft purge marked it stale. */
  softPurged?: boolean;
}

/** Under a primary key whose responses vary: which request headers pick the object. */
export interface VaryMarker {
  kind: 'vary';
  names: string[];
  tags: string[];
}

export type StoredEntry = EdgeObject | VaryMarker;

export interface Windows {
  /** Default stale-while-revalidate, ms. */
  grace: number;
  /** Default stale-if-error and how long past expiry an object is kept, ms. */
  keep: number;
}

export type Freshness = 'fresh' | 'grace' | 'stale';

export interface Judgement {
  state: Freshness;
  /** Seconds left to live (negative when stale). */
  ttl: number;
  /** The object may be served if the origin fails (stale-if-error). */
  staleIfError: boolean;
}

function directive(cc: string | undefined, name: string): number | true | undefined {
  if (!cc) return undefined;
  for (const part of cc.split(',')) {
    const [k, v] = part.split('=', 2);
    if (k.trim().toLowerCase() !== name) continue;
    if (v === undefined) return true;
    const n = Number(v.trim().replace(/^"|"$/g, ''));
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  }
  return undefined;
}

/** The origin forbade serving this object stale (RFC 9111 §4.2.4, §5.2.2). */
export function mustRevalidate(cacheControl: string | undefined): boolean {
  return directive(cacheControl, 'must-revalidate') !== undefined || directive(cacheControl, 'proxy-revalidate') !== undefined || directive(cacheControl, 'no-cache') !== undefined;
}

/**
 * The request asks for a validated answer (Cache-Control no-cache, max-age below the object's
 * age, min-fresh beyond its freshness left; Pragma no-cache without Cache-Control).
 */
export function requestWantsValidation(headers: Record<string, string | string[] | undefined>, age: number, ttl = Infinity): boolean {
  const cc = typeof headers['cache-control'] === 'string' ? headers['cache-control'] : undefined;
  if (cc === undefined && typeof headers.pragma === 'string' && /no-cache/i.test(headers.pragma)) return true;
  if (directive(cc, 'no-cache') !== undefined) return true;
  const maxAge = directive(cc, 'max-age');
  if (typeof maxAge === 'number' && age > maxAge) return true;
  const minFresh = directive(cc, 'min-fresh');
  return typeof minFresh === 'number' && ttl < minFresh;
}

/** Request directives that let a stale object be used (max-stale) or forbid the origin (only-if-cached). */
export function requestAllowances(headers: Record<string, string | string[] | undefined>): { maxStale: number; onlyIfCached: boolean } {
  const cc = typeof headers['cache-control'] === 'string' ? headers['cache-control'] : undefined;
  const maxStale = directive(cc, 'max-stale');
  return { maxStale: maxStale === true ? Infinity : maxStale ?? -1, onlyIfCached: directive(cc, 'only-if-cached') !== undefined };
}

export function judge(object: EdgeObject, windows: Windows): Judgement {
  const policy = object.policy;
  const age = policy.age();
  const maxAge = object.softPurged ? Math.min(policy.maxAge(), age - 0.001) : policy.maxAge();
  const ttl = maxAge - age;
  const cc = object.headers['cache-control'];
  if (ttl > 0) return { state: 'fresh', ttl, staleIfError: true };
  if (mustRevalidate(cc) && !object.softPurged) return { state: 'stale', ttl, staleIfError: false };
  const swr = directive(cc, 'stale-while-revalidate');
  const sie = directive(cc, 'stale-if-error');
  // s-maxage carries proxy-revalidate's meaning for a shared cache (RFC 9111 §5.2.2.10): no
  // stale use by default, only what the origin allowed explicitly (or a soft purge asks for).
  const strict = directive(cc, 's-maxage') !== undefined && !object.softPurged;
  const graceS = typeof swr === 'number' ? swr : strict ? 0 : windows.grace / 1000;
  const keepS = typeof sie === 'number' ? sie : strict ? 0 : windows.keep / 1000;
  return { state: -ttl < graceS ? 'grace' : 'stale', ttl, staleIfError: -ttl < Math.max(keepS, graceS) };
}

/** How long the store keeps the object: its freshness left plus the longest stale window. */
export function storeTtlMs(object: EdgeObject, windows: Windows): number {
  const policy = object.policy;
  const cc = object.headers['cache-control'];
  const swr = directive(cc, 'stale-while-revalidate');
  const sie = directive(cc, 'stale-if-error');
  const extra = Math.max(windows.keep, windows.grace, typeof swr === 'number' ? swr * 1000 : 0, typeof sie === 'number' ? sie * 1000 : 0);
  return Math.max(1, Math.round(Math.max(0, policy.maxAge() - policy.age()) * 1000 + extra));
}

/** Size the memory store charges for an object. */
export function objectBytes(entry: StoredEntry): number {
  if (entry.kind === 'vary') return 64 + entry.names.join().length;
  let size = entry.body.length + 256;
  for (const name in entry.headers) size += name.length + entry.headers[name].length + 4;
  return size;
}
