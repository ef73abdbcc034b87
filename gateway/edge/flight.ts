// One origin fetch for one cache key, shared by every request that misses on it meanwhile
// (request coalescing): the response head and body stream to each waiter as they arrive, and
// the whole object is stored at the end. An answer that cannot be stored goes to the first
// waiter only; the others are sent on their own (pass) and the key is remembered as
// hit-for-miss, so later requests do not queue behind each other. A revalidation (a stale object
// was found) sends the object's validators: a 304 refreshes it; an origin failure serves it
// stale while stale-if-error allows.
import CachePolicy from 'http-cache-semantics';
import type { IncomingHttpHeaders } from 'node:http';
import { notModified, NOT_MODIFIED_HEADERS } from './conditional.js';
import { outcomeHeaders, outcomes, type Outcome } from './cache-status.js';
import { varyNames, secondaryKey } from './key.js';
import { judge, type EdgeObject } from './object.js';
import type { EdgeReply, EdgeRequest, OriginCall, OriginSink } from './seam.js';
import { surrogateKeys, edgeCacheControl } from './surrogate.js';
import type { Edge } from './edge.js';

export interface Waiter {
  request: EdgeRequest;
  reply: EdgeReply;
  /** The secondary key it looked up under ('' when no Vary was known). */
  secondary: string;
  enc: string;
  /** A Range request: served from the stored object once complete. */
  whole: boolean;
  collapsed: boolean;
  /** Streaming: the head went out. */
  started?: boolean;
}

/** Response headers never stored nor passed on by the edge. */
const EDGE_ONLY = new Set(['surrogate-control', 'surrogate-key']);
/** Headers a 304 must not change in the stored object (RFC 9111 §3.2). */
const KEPT_ON_304 = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'content-range']);

function headerObject(raw: string[]): { object: Record<string, string>; setCookie: boolean } {
  const object: Record<string, string> = {};
  let setCookie = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'set-cookie') setCookie = true;
    object[name] = object[name] === undefined ? raw[i + 1] : `${object[name]}, ${raw[i + 1]}`;
  }
  return { object, setCookie };
}

/** The request headers http-cache-semantics reads (strings only). */
export function policyRequest(request: EdgeRequest): { method: string; url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (const name in request.headers) {
    const v = request.headers[name];
    if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { method: 'GET', url: request.url, headers };
}

export class Flight implements OriginSink {
  readonly waiters: Waiter[] = [];
  call: OriginCall | undefined;
  private status = 0;
  /** Headers to stream to waiters (stored form, no edge-only ones). */
  private headers: Record<string, string> | undefined;
  private raw: string[] = [];
  private chunks: Buffer[] | undefined = [];
  private bytes = 0;
  private storing = false;
  private policy: CachePolicy | undefined;
  private tags: string[] = [];
  private varyNames: string[] = [];
  private finished = false;
  private paused = 0;

  constructor(
    private readonly edge: Edge,
    readonly key: string,
    readonly pk: string,
    readonly lead: EdgeRequest,
    /** The stored object being revalidated (stale), if any. */
    private readonly stale: EdgeObject | undefined,
    private readonly why: 'miss' | 'stale' | 'request',
  ) {}

  join(waiter: Waiter): void {
    this.waiters.push(waiter);
    if (this.headers && this.storing && !waiter.whole) this.startStream(waiter, true);
  }

  head(status: number, raw: string[]): void {
    if (this.finished) return;
    const { object, setCookie } = headerObject(raw);
    const edge = this.edge;
    const stale = this.stale;
    if (stale && status === 304) return this.refreshed(object);
    if (stale && status >= 500 && judge(stale, edge.windows).staleIfError) {
      this.call?.cancel();
      return this.serveStale(stale, status);
    }
    const cacheControl = edgeCacheControl(object['cache-control'], object['surrogate-control']);
    const policyHeaders = { ...object };
    if (cacheControl === undefined) delete policyHeaders['cache-control'];
    else policyHeaders['cache-control'] = cacheControl;
    const policy = new CachePolicy(policyRequest(this.lead), { status, headers: policyHeaders }, { shared: true });
    const length = object['content-length'] === undefined ? -1 : Number(object['content-length']);
    const names = varyNames(object.vary);
    const storable = policy.storable() && !setCookie && !names.includes('*') && status !== 206 &&
      (policy.maxAge() > 0 || object.etag !== undefined || object['last-modified'] !== undefined) &&
      length <= edge.config.maxObjectBytes;
    const stored: Record<string, string> = {};
    for (const name in object) if (!EDGE_ONLY.has(name)) stored[name] = object[name];
    if (cacheControl !== object['cache-control'] && object['surrogate-control'] !== undefined) stored['cache-control'] = cacheControl ?? stored['cache-control'];
    if (object['surrogate-control'] !== undefined) {
      // The edge read Surrogate-Control; clients see the origin's Cache-Control as sent.
      if (object['cache-control'] === undefined) delete stored['cache-control'];
      else stored['cache-control'] = object['cache-control'];
    }
    this.status = status;
    this.headers = stored;
    this.raw = raw.filter((_, i) => i % 2 === 0 ? !EDGE_ONLY.has(raw[i].toLowerCase()) : !EDGE_ONLY.has(raw[i - 1].toLowerCase()));
    this.policy = policy;
    this.varyNames = names;
    if (!storable) {
      edge.stats.notStored++;
      if (status < 500) edge.hitForMiss(this.pk);
      return this.passOthers();
    }
    this.storing = true;
    this.tags = [...surrogateKeys(object['surrogate-key']).map((k) => `key:${k}`), ...edge.urlTags(this.lead)];
    const leadSecondary = secondaryKey(names, this.lead.headers, edge.encodingFor(this.lead));
    if (names.length > 0) edge.storeVary(this.pk, names, this.tags);
    // Waiters whose request picks another variant look up again (they may start their own fetch).
    const other: Waiter[] = [];
    for (const w of this.waiters.splice(0)) {
      if (names.length > 0 && secondaryKey(names, w.request.headers, w.enc) !== leadSecondary) other.push(w);
      else this.waiters.push(w);
    }
    for (const w of this.waiters) if (!w.whole) this.startStream(w, false);
    for (const w of other) edge.restart(w);
  }

  /** The answer cannot be stored: the first waiter gets it, the others go their own way. */
  private passOthers(): void {
    this.edge.endFlight(this);
    const [first, ...others] = this.waiters.filter((w) => !w.reply.closed);
    this.waiters.length = 0;
    if (first) {
      this.waiters.push(first);
      if (first.whole) first.whole = false; // the origin's answer as it comes (Range was not sent: a full one)
      this.startStream(first, false);
    } else this.call?.cancel();
    for (const w of others) this.edge.pass(w.reply, outcomes.bypass('uncacheable'));
    this.chunks = undefined;
  }

  private outcome(waiter: Waiter): Outcome {
    return outcomes.miss(this.status, this.storing, waiter.collapsed, this.why);
  }

  private startStream(waiter: Waiter, replay: boolean): void {
    if (waiter.reply.closed) return;
    const method = waiter.request.method;
    const headers = this.headers!;
    const extra = [...outcomeHeaders(this.outcome(waiter)), 'age', '0'];
    if (this.storing && this.status === 200 && notModified(waiter.request.headers, headers.etag, headers['last-modified'])) {
      const out: string[] = [];
      for (const name in headers) if (NOT_MODIFIED_HEADERS.has(name)) out.push(name, headers[name]);
      waiter.reply.head(304, [...out, ...extra]);
      waiter.reply.end();
      this.edge.stats.notModified++;
      this.drop(waiter);
      return;
    }
    const raw = this.raw.filter((_, i) => { const n = this.raw[i - (i % 2)].toLowerCase(); return n !== 'age'; });
    const out = this.edge.config.compress && this.storing ? this.edge.withVaryEncoding(raw, headers) : raw;
    waiter.reply.head(this.status, [...out, ...extra]);
    waiter.started = true;
    if (method === 'HEAD' || this.status === 204 || this.status === 304) {
      waiter.reply.end();
      this.drop(waiter);
      return;
    }
    if (replay) for (const chunk of this.chunks ?? []) waiter.reply.write(chunk);
    if (this.finished) {
      waiter.reply.end();
      this.drop(waiter);
    }
  }

  private drop(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  body(chunk: Buffer): boolean {
    if (this.finished) return true;
    this.bytes += chunk.length;
    this.edge.stats.bytesFromOrigin += chunk.length;
    if (this.storing && this.bytes > this.edge.config.maxObjectBytes) {
      // Over the bound without a Content-Length saying so: stream on, store nothing.
      this.storing = false;
      this.chunks = undefined;
      this.edge.stats.notStored++;
      this.edge.hitForMiss(this.pk);
      this.edge.endFlight(this);
      for (const w of this.waiters.filter((x) => x.whole)) {
        this.drop(w);
        this.edge.pass(w.reply, outcomes.bypass('too-large'));
      }
    }
    this.chunks?.push(chunk);
    let full = false;
    for (const w of this.waiters) {
      if (!w.started || w.reply.closed) continue;
      if (!w.reply.write(chunk)) {
        full = true;
        this.paused++;
        w.reply.onDrain(() => {
          if (--this.paused === 0) this.call?.resume();
        });
      }
    }
    return !full;
  }

  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.edge.endFlight(this);
    const streaming = this.waiters.filter((w) => w.started);
    for (const w of streaming) if (!w.reply.closed) w.reply.end();
    const whole = this.waiters.filter((w) => !w.started);
    this.waiters.length = 0;
    if (!this.storing || !this.chunks) {
      for (const w of whole) this.edge.restart(w);
      return;
    }
    const object: EdgeObject = {
      kind: 'object', status: this.status, headers: this.headers!, body: Buffer.concat(this.chunks, this.bytes),
      policy: this.policy!, tags: this.tags, encoding: 'identity', base: Date.now(),
    };
    this.chunks = undefined;
    // Under a Vary the object lives under its secondary key; the primary one holds the marker.
    const key = this.varyNames.length > 0 ? this.pk + secondaryKey(this.varyNames, this.lead.headers, this.edge.encodingFor(this.lead)) : this.key;
    this.edge.store(key, object);
    for (const w of whole) this.edge.serve(w.request, w.reply, object, this.outcome(w));
  }

  error(status: number, detail: string): void {
    if (this.finished) return;
    this.finished = true;
    this.edge.endFlight(this);
    const stale = this.stale;
    if (!this.headers && stale && judge(stale, this.edge.windows).staleIfError) return this.serveStale(stale, status);
    for (const w of this.waiters.splice(0)) {
      if (w.reply.closed) continue;
      if (w.started) w.reply.abort();
      else w.reply.fail(status, detail);
    }
  }

  private serveStale(stale: EdgeObject, status: number): void {
    this.finished = true;
    this.edge.endFlight(this);
    const ttl = judge(stale, this.edge.windows).ttl;
    for (const w of this.waiters.splice(0)) {
      this.edge.stats.stale++;
      this.edge.serve(w.request, w.reply, stale, outcomes.staleIfError(ttl, status), true);
    }
  }

  /** 304: the stored object's headers updated from the 304, stored again, served to every waiter. */
  private refreshed(notModifiedHeaders: Record<string, string>): void {
    this.finished = true;
    this.edge.endFlight(this);
    const stale = this.stale!;
    const revalidated = stale.policy.revalidatedPolicy(policyRequest(this.lead), { status: 304, headers: notModifiedHeaders });
    const headers = { ...stale.headers };
    for (const name in notModifiedHeaders) if (!KEPT_ON_304.has(name) && !EDGE_ONLY.has(name)) headers[name] = notModifiedHeaders[name];
    const object: EdgeObject = { ...stale, headers, policy: revalidated.policy, softPurged: false, base: Date.now() };
    this.edge.stats.revalidated++;
    this.edge.store(this.key, object);
    const ttl = judge(object, this.edge.windows).ttl;
    for (const w of this.waiters.splice(0)) this.edge.serve(w.request, w.reply, object, outcomes.revalidated(ttl, w.collapsed), true);
  }
}

export type { IncomingHttpHeaders };
