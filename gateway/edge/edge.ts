// The CDN edge of one HTTP frontend: look a GET/HEAD up, answer from the store when the object
// is fresh (or stale within grace, refreshing it once in the background), else join or start
// the one origin fetch for its key (flight.ts). Everything else passes to the ordinary proxy
// path; a successful unsafe request invalidates its URI and Location/Content-Location
// (RFC 9111 §4.4). The edge never writes to the client itself: its caller's reply does.
import { LRUCache } from 'lru-cache';
import { compress, compressible, negotiate, variantEtag, varyWithEncoding, MIN_COMPRESS_BYTES, type Encoding } from './compress.js';
import { outcomes, outcomeHeaders, type Outcome } from './cache-status.js';
import type { EdgeConfig } from './config.js';
import { Flight, type Waiter } from './flight.js';
import { MemoryStore } from './memory-store.js';
import { judge, mustRevalidate, requestAllowances, requestWantsValidation, storeTtlMs, type EdgeObject, type Windows } from './object.js';
import { primaryKey, purgeUrlTag, secondaryKey, urlTags } from './key.js';
import type { PurgeRequest } from './purge-body.js';
import { RedisStore } from './redis-store.js';
import type { EdgeReply, EdgeRequest, Origin, OriginRequest } from './seam.js';
import { answerFromObject } from './serve.js';
import { emptyEdgeStats, type EdgeStatsSnapshot } from './stats.js';
import type { EdgeStore } from './store.js';

/** Request headers the edge does not send to the origin on a fetch it shares (it answers them itself). */
const CLIENT_ONLY = new Set(['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range', 'cache-control', 'pragma']);

export class Edge {
  readonly stats: EdgeStatsSnapshot = emptyEdgeStats();
  readonly windows: Windows;
  readonly objects: EdgeStore;
  private readonly flights = new Map<string, Flight>();
  private readonly uncacheable: LRUCache<string, true>;

  constructor(readonly config: EdgeConfig, private readonly origin: Origin, store?: EdgeStore) {
    this.windows = { grace: config.grace, keep: config.keep };
    this.objects = store ?? (config.store === 'redis' ? new RedisStore(config.redis!.url, config.redis!.prefix) : new MemoryStore(config.maxBytes, config.maxObjectBytes));
    this.uncacheable = new LRUCache({ max: 100_000, ttl: Math.max(1, config.hitForMiss), ttlAutopurge: false });
  }

  /** Answers `request` through `reply`: from the store, from a (shared) origin fetch, or by reply.pass(). */
  async handle(request: EdgeRequest, reply: EdgeReply): Promise<void> {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return this.pass(reply, outcomes.bypass('method'));
    const headers = request.headers;
    if (headers.authorization !== undefined) return this.pass(reply, outcomes.bypass('authorization'));
    if (headers.upgrade !== undefined) return this.pass(reply, outcomes.bypass('upgrade'));
    if (typeof headers['cache-control'] === 'string' && /no-store/i.test(headers['cache-control'])) return this.pass(reply, outcomes.bypass('no-store'));
    const pk = primaryKey(headers.host, request.url, this.config.ignoreQuery);
    if (this.uncacheable.get(pk)) {
      this.stats.hitForMiss++;
      return this.pass(reply, outcomes.bypass('hit-for-miss'));
    }
    const enc = this.encodingFor(request);
    let key = pk;
    let secondary = '';
    let entry = await this.objects.get(pk);
    if (entry?.kind === 'vary') {
      secondary = secondaryKey(entry.names, headers, enc);
      key = pk + secondary;
      entry = await this.objects.get(key);
    }
    if (reply.closed) return;
    const object = entry?.kind === 'object' ? entry : undefined;
    const waiter: Waiter = { request, reply, secondary, enc, whole: typeof headers.range === 'string', collapsed: false };
    const allow = requestAllowances(headers);
    if (!object) {
      // only-if-cached: the client wants no origin request (RFC 9111 §5.2.1.7).
      if (allow.onlyIfCached) return reply.fail(504, 'only-if-cached: not in the edge');
      return this.fetch(key, pk, waiter, undefined, 'miss');
    }
    const verdict = judge(object, this.windows);
    const validate = requestWantsValidation(headers, object.policy.age(), verdict.ttl);
    if (verdict.state === 'fresh' && !validate) {
      this.stats.hits++;
      return this.serveVariant(key, request, reply, object, enc, outcomes.hit(verdict.ttl));
    }
    const forbidsStale = mustRevalidate(object.headers['cache-control']) && !object.softPurged;
    if (!validate && (verdict.state === 'grace' || (!forbidsStale && -verdict.ttl <= allow.maxStale))) {
      // Stale within grace or within the client's max-stale: served as it is, refreshed once.
      this.stats.stale++;
      if (!this.flights.has(key)) this.refresh(key, pk, request, object);
      return this.serveVariant(key, request, reply, object, enc, outcomes.grace(verdict.ttl));
    }
    if (allow.onlyIfCached) return reply.fail(504, 'only-if-cached: the stored object needs revalidation');
    return this.fetch(key, pk, waiter, object, validate ? 'request' : 'stale');
  }

  /** Join the flight for `key` or start it. */
  private fetch(key: string, pk: string, waiter: Waiter, stale: EdgeObject | undefined, why: 'miss' | 'stale' | 'request'): void {
    const flight = this.flights.get(key);
    if (flight) {
      this.stats.coalesced++;
      waiter.collapsed = true;
      flight.join(waiter);
      return;
    }
    if (!stale) this.stats.misses++;
    const started = this.startFlight(key, pk, waiter.request, stale, why);
    started.join(waiter);
  }

  private startFlight(key: string, pk: string, request: EdgeRequest, stale: EdgeObject | undefined, why: 'miss' | 'stale' | 'request'): Flight {
    const flight = new Flight(this, key, pk, request, stale, why);
    this.flights.set(key, flight);
    this.stats.originFetches++;
    // Started after the caller joined its waiter (the origin may answer synchronously in tests).
    queueMicrotask(() => {
      flight.call = this.origin(this.originRequest(request, stale), flight);
    });
    return flight;
  }

  /** Stale within grace: one background revalidation, no client waiting on it. */
  private refresh(key: string, pk: string, request: EdgeRequest, stale: EdgeObject): void {
    this.startFlight(key, pk, request, stale, 'stale');
  }

  private originRequest(request: EdgeRequest, stale: EdgeObject | undefined): OriginRequest {
    const headers: Record<string, string> = {};
    const forward = request.forward;
    if (forward) {
      for (let i = 0; i < forward.length; i += 2) {
        const name = forward[i].toLowerCase();
        if (!CLIENT_ONLY.has(name)) headers[name] = headers[name] === undefined ? forward[i + 1] : `${headers[name]}, ${forward[i + 1]}`;
      }
    } else {
      for (const name in request.headers) {
        if (CLIENT_ONLY.has(name)) continue;
        const v = request.headers[name];
        if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(', ') : v;
      }
    }
    if (stale) {
      if (stale.headers.etag !== undefined) headers['if-none-match'] = stale.headers.etag;
      if (stale.headers['last-modified'] !== undefined) headers['if-modified-since'] = stale.headers['last-modified'];
    }
    return { method: 'GET', url: request.url, headers };
  }

  /** Which encoding this client gets from a compressible identity object. */
  encodingFor(request: EdgeRequest): Encoding {
    return this.config.compress ? negotiate(request.headers['accept-encoding']) : 'identity';
  }

  urlTags(request: EdgeRequest): string[] {
    return urlTags(request.headers.host, request.url, this.config.ignoreQuery);
  }

  /** Raw response headers with `Vary: Accept-Encoding` when the edge may serve compressed variants of it. */
  withVaryEncoding(raw: string[], headers: Record<string, string>): string[] {
    if (headers['content-encoding'] !== undefined || !compressible(headers['content-type'])) return raw;
    const out = raw.filter((_, i) => raw[i - (i % 2)].toLowerCase() !== 'vary');
    out.push('vary', varyWithEncoding(headers.vary));
    return out;
  }

  /** A stored object to one client, as a compressed variant when it accepts one and the object is text. */
  private serveVariant(key: string, request: EdgeRequest, reply: EdgeReply, object: EdgeObject, enc: Encoding, outcome: Outcome): void | Promise<void> {
    const headers = object.headers;
    const plain = this.config.compress && object.status === 200 && headers['content-encoding'] === undefined && compressible(headers['content-type']);
    if (!plain || enc === 'identity' || object.body.length < MIN_COMPRESS_BYTES || typeof request.headers.range === 'string') {
      return this.serve(request, reply, object, outcome, false, plain ? ['vary', varyWithEncoding(headers.vary)] : []);
    }
    const variantKey = `${key}\u0000${enc}`;
    const found = this.objects.get(variantKey);
    const use = (variant: EdgeObject | undefined) => {
      if (!variant || variant.base !== object.base || variant.softPurged !== object.softPurged) {
        const body = compress(object.body, enc as 'br' | 'gzip');
        const vh: Record<string, string> = { ...headers, 'content-encoding': enc, vary: varyWithEncoding(headers.vary) };
        const etag = variantEtag(headers.etag, enc);
        if (etag !== undefined) vh.etag = etag;
        variant = { ...object, headers: vh, body, encoding: enc };
        void this.objects.set(variantKey, variant, storeTtlMs(object, this.windows));
      }
      this.serve(request, reply, variant, outcome);
    };
    if (found instanceof Promise) return found.then((v) => use(v?.kind === 'object' ? v : undefined));
    use(found?.kind === 'object' ? found : undefined);
  }

  /** Writes an answer made from `object` (conditional, Range, HEAD) to the reply. */
  serve(request: EdgeRequest, reply: EdgeReply, object: EdgeObject, outcome: Outcome, counted = true, extra: string[] = []): void {
    void counted;
    if (reply.closed) return;
    const answer = answerFromObject(object, request.method, request.headers, outcome, extra);
    if (answer.status === 304) this.stats.notModified++;
    reply.head(answer.status, answer.headers);
    if (answer.body) this.stats.bytesFromCache += answer.body.length;
    reply.end(answer.body);
  }

  /** A waiter that must look up again (another variant, or the flight ended without an object). */
  restart(waiter: Waiter): void {
    if (waiter.reply.closed) return;
    void this.handle(waiter.request, waiter.reply).catch((error: unknown) => waiter.reply.fail(500, `edge: ${(error as Error).message}`));
  }

  /** A request the edge never sees (an unsafe method, a GET with a body): counted, and its headers. */
  bypassed(detail: string): string[] {
    this.stats.bypass++;
    return outcomeHeaders(outcomes.bypass(detail));
  }

  pass(reply: EdgeReply, outcome: Outcome): void {
    this.stats.bypass++;
    reply.pass(outcomeHeaders(outcome));
  }

  hitForMiss(pk: string): void {
    this.uncacheable.set(pk, true);
  }

  endFlight(flight: Flight): void {
    if (this.flights.get(flight.key) === flight) this.flights.delete(flight.key);
  }

  store(key: string, object: EdgeObject): void {
    this.stats.stored++;
    void this.objects.set(key, object, storeTtlMs(object, this.windows));
  }

  storeVary(pk: string, names: string[], tags: string[]): void {
    void this.objects.set(pk, { kind: 'vary', names, tags }, this.windows.keep + 86_400_000);
  }

  /**
   * After an unsafe request (POST, PUT, DELETE, PATCH, …) answered 2xx/3xx: its URI and the
   * same-host Location / Content-Location are invalidated (RFC 9111 §4.4).
   */
  async invalidate(request: EdgeRequest, status: number, location?: string, contentLocation?: string): Promise<number> {
    const method = request.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE') return 0;
    if (status < 200 || status >= 400) return 0;
    const host = request.headers.host;
    const tags = [urlTags(host, request.url, this.config.ignoreQuery)[1]];
    for (const target of [location, contentLocation]) {
      if (!target) continue;
      if (target.startsWith('/')) tags.push(urlTags(host, target, this.config.ignoreQuery)[1]);
      else {
        try {
          const url = new URL(target);
          if (host !== undefined && url.host.toLowerCase() === host.toLowerCase()) tags.push(urlTags(host, url.pathname + url.search, this.config.ignoreQuery)[1]);
        } catch {
          // not a URL: nothing to invalidate
        }
      }
    }
    this.uncacheable.delete(primaryKey(host, request.url, this.config.ignoreQuery));
    const n = await this.objects.purgeTags(tags, false);
    this.stats.invalidations += n;
    return n;
  }

  /** A purge (admin API or the bus): by surrogate key, by URL, or everything; soft marks stale. */
  async purge(request: PurgeRequest): Promise<number> {
    const started = performance.now();
    let n = 0;
    if (request.all) {
      n = await this.objects.purgeAll(request.soft);
      this.uncacheable.clear();
    } else {
      const tags = [...(request.keys ?? []).map((k) => `key:${k}`), ...(request.urls ?? []).map((u) => purgeUrlTag(u, this.config.ignoreQuery))];
      n = await this.objects.purgeTags(tags, request.soft);
    }
    const ms = performance.now() - started;
    this.stats.purges++;
    this.stats.purgedObjects += n;
    this.stats.purgeMsTotal += ms;
    this.stats.purgeMsMax = Math.max(this.stats.purgeMsMax, ms);
    return n;
  }

  snapshot(): EdgeStatsSnapshot {
    const size = this.objects.size();
    return { ...this.stats, objects: size.objects, bytes: size.bytes };
  }

  async close(): Promise<void> {
    for (const flight of this.flights.values()) flight.call?.cancel();
    this.flights.clear();
    await this.objects.close();
  }
}
