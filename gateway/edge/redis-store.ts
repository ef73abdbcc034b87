// The Redis store: objects shared by every gateway instance. One string per object,
// `<prefix>o:<key>` = 4-byte meta length, meta JSON (status, headers, policy, tags, …), body;
// PX = the object's store TTL. One set per tag, `<prefix>t:<tag>`, lists the keys (members of
// expired objects are dropped when a purge finds them gone). Values that do not read back are
// treated as absent (and deleted): the store is a cache, never an authority.
import { Redis } from 'ioredis';
import CachePolicy from 'http-cache-semantics';
import { EdgeStoredObjectError } from './errors.js';
import type { StoredEntry } from './object.js';
import type { EdgeStore } from './store.js';
import { createLogger } from '../../sdk/log/logger.js';

const log = createLogger('gateway');

export function encodeEntry(entry: StoredEntry): Buffer {
  const meta = entry.kind === 'vary'
    ? { kind: 'vary', names: entry.names, tags: entry.tags }
    : { kind: 'object', status: entry.status, headers: entry.headers, policy: entry.policy.toObject(), tags: entry.tags, encoding: entry.encoding, base: entry.base, softPurged: entry.softPurged === true };
  const json = Buffer.from(JSON.stringify(meta));
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(json.length);
  return Buffer.concat(entry.kind === 'object' ? [head, json, entry.body] : [head, json]);
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function decodeEntry(key: string, raw: Buffer): StoredEntry {
  if (raw.length < 4) throw new EdgeStoredObjectError(key, 'shorter than its header');
  const length = raw.readUInt32BE(0);
  if (length > raw.length - 4) throw new EdgeStoredObjectError(key, 'meta longer than the value');
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(raw.subarray(4, 4 + length).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new EdgeStoredObjectError(key, 'meta is not JSON');
  }
  if (typeof meta !== 'object' || meta === null) throw new EdgeStoredObjectError(key, 'meta is not an object');
  if (!strings(meta.tags)) throw new EdgeStoredObjectError(key, 'tags are not strings');
  if (meta.kind === 'vary') {
    if (!strings(meta.names)) throw new EdgeStoredObjectError(key, 'vary names are not strings');
    return { kind: 'vary', names: meta.names, tags: meta.tags };
  }
  const headers = meta.headers as Record<string, unknown>;
  if (meta.kind !== 'object' || typeof meta.status !== 'number' || typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) {
    throw new EdgeStoredObjectError(key, 'not an edge object');
  }
  let policy: CachePolicy;
  try {
    policy = CachePolicy.fromObject(meta.policy as CachePolicy.CachePolicyObject);
  } catch (error) {
    throw new EdgeStoredObjectError(key, `policy: ${(error as Error).message}`);
  }
  const encoding = meta.encoding === 'br' || meta.encoding === 'gzip' ? meta.encoding : 'identity';
  return {
    kind: 'object', status: meta.status, headers: headers as Record<string, string>, body: Buffer.from(raw.subarray(4 + length)),
    policy, tags: meta.tags, encoding, base: typeof meta.base === 'number' ? meta.base : 0, softPurged: meta.softPurged === true,
  };
}

export class RedisStore implements EdgeStore {
  private readonly redis: Redis;
  private objects = 0;

  constructor(url: string, private readonly prefix: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.redis.on('error', (error: Error) => log.warn({ err: error }, `edge redis store: ${error.message}`));
  }

  /** Resolves once connected (until then the store is a miss and sets are dropped: a cache, never a wait). */
  ready(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => this.redis.once('ready', () => resolve()));
  }

  private o(key: string): string {
    return `${this.prefix}o:${key}`;
  }

  private t(tag: string): string {
    return `${this.prefix}t:${tag}`;
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    let raw: Buffer | null;
    try {
      raw = await this.redis.getBuffer(this.o(key));
    } catch {
      return undefined; // Redis down: a miss, the origin answers
    }
    if (!raw) return undefined;
    try {
      return decodeEntry(key, raw);
    } catch (error) {
      log.warn({ err: error }, (error as Error).message);
      await this.redis.del(this.o(key)).catch(() => {});
      return undefined;
    }
  }

  async set(key: string, entry: StoredEntry, ttlMs: number): Promise<void> {
    const multi = this.redis.multi().set(this.o(key), encodeEntry(entry), 'PX', Math.max(1, ttlMs));
    for (const tag of entry.tags) multi.sadd(this.t(tag), key).pexpire(this.t(tag), Math.max(ttlMs, 86_400_000));
    try {
      await multi.exec();
      this.objects++;
    } catch (error) {
      log.warn({ err: error }, `edge redis store: set failed: ${(error as Error).message}`);
    }
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.o(key)).catch(() => {});
  }

  async purgeTags(tags: readonly string[], soft: boolean): Promise<number> {
    const keys = new Set<string>();
    for (const tag of tags) for (const key of await this.redis.smembers(this.t(tag))) keys.add(key);
    if (!soft) await this.redis.del(...tags.map((tag) => this.t(tag)));
    return this.purgeKeys([...keys], soft);
  }

  async purgeAll(soft: boolean): Promise<number> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}o:*`, 'COUNT', 1000);
      cursor = next;
      for (const k of found) keys.push(k.slice(this.prefix.length + 2));
    } while (cursor !== '0');
    return this.purgeKeys(keys, soft);
  }

  private async purgeKeys(keys: string[], soft: boolean): Promise<number> {
    if (keys.length === 0) return 0;
    if (!soft) return this.redis.del(...keys.map((k) => this.o(k)));
    let n = 0;
    for (const key of keys) {
      const entry = await this.get(key);
      if (!entry) continue;
      n++;
      if (entry.kind === 'vary') await this.delete(key);
      else {
        entry.softPurged = true;
        await this.redis.set(this.o(key), encodeEntry(entry), 'KEEPTTL');
      }
    }
    return n;
  }

  size(): { objects: number; bytes: number } {
    return { objects: this.objects, bytes: 0 };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
