// createPlatform: an internal platform service over the DB client (read port + write port), the
// cache tier and the queue. Resources are reads through cache.getOrLoad and the read port;
// commands run in one transaction on the write port, record durable invalidations in the cache's
// outbox, enqueue jobs after the commit, and hand back a read-your-writes session token
// (`x-tiered-session`) that later reads honour (see consistency.ts).
//
// Request path: /healthz | route match (404/405) → session token (400) → input from path params +
// query (resources) or JSON body (commands) → zod (400 naming each bad field) → span
// `resource <name>` / `command <name>` → answer. Nothing a client sends ends the process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Cache } from '../cache/cache.js';
import { withInvalidation } from '../cache/outbox/write.js';
import { ensureOutboxTable } from '../cache/outbox/schema.js';
import { keyProblem } from '../cache/store.js';
import type { Producer } from '../queue/producer.js';
import type { DbClient } from '../sdk/db/client.js';
import { DbSession } from '../sdk/db/session.js';
import { parseLsn } from '../sdk/db/lsn.js';
import { parseDuration } from '../sdk/config/units.js';
import { createLogger } from '../sdk/log/logger.js';
import { DbWriteUnavailableError, InvalidSessionTokenError } from '../sdk/errors.js';
import { RedisUnavailableError } from '../queue/errors.js';
import type { Command, CommandContext, PlatformApp, Resource, ResourceContext } from './define.js';
import { HttpError, InvalidInputError } from './errors.js';
import { entryTooOld, encodeLsn, Markers, type CachedValue } from './consistency.js';
import { checkHealth, type HealthCheck, type HealthReport } from './health.js';
import { parseJsonObject, queryObject, readBody, SESSION_HEADER, sendJson, validate } from './http.js';
import { migrate } from './migrations.js';
import { compileRoute, matchRoute, type Route } from './router.js';
import { createHash } from 'node:crypto';

export interface PlatformOptions {
  db: DbClient;
  cache: Cache;
  /** Producer for commands' jobs (and the Redis health check). */
  queue?: Producer;
  app?: PlatformApp;
  resources?: readonly Resource[];
  commands?: readonly Command[];
  /** The app's own services; merged over what `app.services` builds. */
  services?: Record<string, unknown>;
  /** Handed to `app.services` (the `platform.options` section). */
  options?: Record<string, unknown>;
  /** The DB read port's URL: /healthz checks it answers and is a replica. */
  replicaUrl?: string;
  /** How long a write position is remembered under the keys a command invalidated (60s). */
  markerTtl?: string | number;
  /** Longest wait for requests in flight at close (10s). */
  grace?: string | number;
  /** Cache-outbox table (default tiered_cache_outbox). */
  outboxTable?: string;
}

export interface CommandOutcome<T> {
  result: T;
  /** The caller's read-your-writes token after the commit. */
  token: string;
  /** Refs of the jobs enqueued (`<job>:<id>`); failed enqueues are in `failedJobs`. */
  jobs: string[];
  failedJobs: string[];
}

export interface Platform {
  /** The node:http handler (mount it in your own server, or use listen()). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Runs migrations and makes sure the outbox table exists. */
  prepare(): Promise<string[]>;
  listen(port: number, host?: string): Promise<{ port: number; server: Server }>;
  read<I, T>(resource: Resource<I, T>, input: I, token?: string): Promise<T | undefined>;
  /** Many inputs of one resource: one cache read, one batch load of the misses. */
  readMany<I, T>(resource: Resource<I, T>, inputs: readonly I[], token?: string): Promise<(T | undefined)[]>;
  execute<I, T>(command: Command<I, T>, input: I, token?: string): Promise<CommandOutcome<T>>;
  health(): Promise<HealthReport>;
  /** Stops taking requests, lets those in flight finish (grace), closes the server. Dependencies stay open. */
  close(): Promise<void>;
}

type Target = { kind: 'resource'; def: Resource } | { kind: 'command'; def: Command };

const tracer = () => trace.getTracer('tiered.platform');
/** How long a cache miss waits for others of the same resource to share its batch load. */
const BATCH_WINDOW_MS = 2;

export function createPlatform(options: PlatformOptions): Platform {
  const { db, cache, queue: producer } = options;
  const log = createLogger('platform');
  const markers = new Markers(cache, parseDuration(options.markerTtl ?? '60s'));
  const graceMs = parseDuration(options.grace ?? '10s');
  const resources = [...(options.app?.resources ?? []), ...(options.resources ?? [])];
  const commands = [...(options.app?.commands ?? []), ...(options.commands ?? [])];
  const services: Record<string, unknown> = {
    ...(options.app?.services?.({ options: options.options ?? {}, cache, db, producer }) ?? {}),
    ...options.services,
  };
  const routes: Route<Target>[] = [
    ...resources.map((def) => compileRoute<Target>('GET', def.path, { kind: 'resource', def })),
    ...commands.map((def) => compileRoute<Target>(def.method, def.path, { kind: 'command', def })),
  ];
  let server: Server | undefined;
  let draining = false;
  let inflight = 0;
  let idle: (() => void) | undefined;

  // ---- reads ---------------------------------------------------------------------------------
  const resourceContext = (session: DbSession, read?: ResourceContext['read']): ResourceContext => ({
    read: read ?? (async (sql, params) => (await db.read(sql, params, { session })).rows),
    get: (resource, input) => readResource(resource, input, session.lsn),
    getMany: (resource, inputs) => readResources(resource, inputs, session.lsn),
    cache, db, producer, services,
  });

  /** Every input's value: loadMany when the resource has it (answers checked), else load each. */
  async function loadAll<T>(resource: Resource<unknown, T>, inputs: unknown[], ctx: ResourceContext): Promise<(T | undefined)[]> {
    if (!resource.loadMany) return Promise.all(inputs.map((input) => resource.load(input, ctx)));
    const values = await resource.loadMany(inputs, ctx);
    if (!Array.isArray(values) || values.length !== inputs.length) throw new Error(`resource "${resource.name}": loadMany returned ${Array.isArray(values) ? values.length : typeof values} answers for ${inputs.length} inputs`);
    return values;
  }

  /**
   * Cache entries for inputs that missed: one marker read for all their keys and tags, then one
   * read batch (sdk readBatch: one read-your-writes check, one connection) at the higher of the
   * markers and the caller's session; its floor is what the entries record. A "not found" on a
   * replica may only mean "not replayed yet" (a post id a fan-out job just pushed): confirmed at
   * the primary's current position before it is cached.
   */
  async function loadEntries<T>(resource: Resource<unknown, T>, inputs: unknown[], names: string[], sessionLsn: bigint): Promise<CachedValue<T>[]> {
    const fromMarkers = await markers.floor(names);
    const session = new DbSession(fromMarkers > sessionLsn ? fromMarkers : sessionLsn);
    const inBatch = (s: DbSession, some: unknown[]) => db.readBatch(async (batch) => ({
      floor: batch.floor,
      values: await loadAll(resource, some, resourceContext(s, async (sql, params) => (await batch.query(sql, params)).rows)),
    }), { session: s });
    const { floor, values } = await inBatch(session, inputs);
    const l = encodeLsn(floor);
    const entries: CachedValue<T>[] = values.map((v) => (v === undefined ? { l, n: 1 } : { l, v }));
    const missing = inputs.map((_, i) => i).filter((i) => values[i] === undefined);
    if (missing.length === 0) return entries;
    const { rows } = await db.write<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    const confirm = new DbSession(parseLsn(rows[0].lsn));
    confirm.advance(floor);
    const again = await inBatch(confirm, missing.map((i) => inputs[i]));
    const confirmed = encodeLsn(again.floor > confirm.lsn ? again.floor : confirm.lsn);
    missing.forEach((i, j) => {
      const v = again.values[j];
      entries[i] = v === undefined ? { l: confirmed, n: 1 } : { l: confirmed, v };
    });
    return entries;
  }

  // Batched fills: single misses of a resource with loadMany that arrive within BATCH_WINDOW_MS
  // share one loadEntries call (getMany batches a page's misses without waiting).
  interface Pending { input: unknown; names: string[]; sessionLsn: bigint; resolve: (v: CachedValue<unknown>) => void; reject: (e: unknown) => void }
  const batches = new Map<Resource, Pending[]>();

  function batchedLoad<T>(resource: Resource<unknown, T>, input: unknown, names: string[], sessionLsn: bigint): Promise<CachedValue<T>> {
    return new Promise((resolve, reject) => {
      let batch = batches.get(resource);
      if (!batch) {
        batch = [];
        batches.set(resource, batch);
        setTimeout(() => void flushBatch(resource), BATCH_WINDOW_MS);
      }
      batch.push({ input, names, sessionLsn, resolve: resolve as Pending['resolve'], reject });
    });
  }

  async function flushBatch(resource: Resource): Promise<void> {
    const batch = batches.get(resource) ?? [];
    batches.delete(resource);
    try {
      let base = 0n;
      for (const p of batch) if (p.sessionLsn > base) base = p.sessionLsn;
      const entries = await loadEntries(resource, batch.map((p) => p.input), batch.flatMap((p) => p.names), base);
      batch.forEach((p, i) => p.resolve(entries[i]));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }

  const namesOf = (resource: Resource, input: unknown): { key: string; names: string[]; tags: string[] } => {
    const key = safeKey(resource.key!(input));
    const tags = (resource.tags?.(input) ?? []).map(safeKey);
    return { key, tags, names: [key, ...tags] };
  };

  async function readResource<I, T>(resource: Resource<I, T>, input: I, sessionLsn: bigint): Promise<T | undefined> {
    if (!resource.key) return resource.load(input, resourceContext(new DbSession(sessionLsn)));
    const { key, tags, names } = namesOf(resource, input);
    const r = resource as Resource<unknown, T>;
    const fill = () => (resource.loadMany ? batchedLoad(r, input, names, sessionLsn) : loadEntries(r, [input], names, sessionLsn).then((e) => e[0]));
    const entry = await cache.getOrLoad<CachedValue<T>>(key, fill, { ttl: resource.ttl, tags });
    if (entry && !entryTooOld(entry, sessionLsn)) return entry.n ? undefined : entry.v;
    // Older than this caller's own writes (or unreadable): read the database with its session, uncached.
    const [fresh] = await loadEntries(r, [input], names, sessionLsn);
    return fresh.n ? undefined : fresh.v;
  }

  /**
   * Many inputs of one resource (a page's posts): one cache read for all their keys and one
   * loadEntries for the misses (cache.getMany). Resources with tags or without a key read one by one.
   */
  async function readResources<I, T>(resource: Resource<I, T>, inputs: readonly I[], sessionLsn: bigint): Promise<(T | undefined)[]> {
    if (!resource.key || resource.tags || inputs.length < 2) return Promise.all(inputs.map((input) => readResource(resource, input, sessionLsn)));
    const r = resource as Resource<unknown, T>;
    const keys = inputs.map((input) => namesOf(resource, input).key);
    const inputOf = new Map(keys.map((k, i) => [k, inputs[i] as unknown]));
    const entries = await cache.getMany<CachedValue<T>>(keys, (missing) => loadEntries(r, missing.map((k) => inputOf.get(k)), missing, sessionLsn), { ttl: resource.ttl });
    const old = entries.map((_, i) => i).filter((i) => entryTooOld(entries[i], sessionLsn));
    if (old.length) {
      // Older than this caller's own writes: read the database with its session, uncached.
      const fresh = await loadEntries(r, old.map((i) => inputs[i]), old.map((i) => keys[i]), sessionLsn);
      old.forEach((i, j) => (entries[i] = fresh[j]));
    }
    return entries.map((e) => (e!.n ? undefined : e!.v));
  }

  // ---- writes --------------------------------------------------------------------------------
  async function execute<I, T>(command: Command<I, T>, input: I, token?: string): Promise<CommandOutcome<T>> {
    const session = db.session(token);
    const keys = new Set<string>();
    const tags = new Set<string>();
    const surrogateKeys = new Set<string>();
    const jobs: { job: Parameters<CommandContext['enqueue']>[0]; payload: unknown; options?: Parameters<CommandContext['enqueue']>[2] }[] = [];
    const after: (() => unknown)[] = [];
    const result = await db.transaction(async (tx) => {
      const ctx: CommandContext = {
        tx, cache, db, producer, services,
        invalidate: (what) => {
          for (const k of what.keys ?? []) keys.add(safeKey(k));
          for (const t of what.tags ?? []) tags.add(safeKey(t));
          for (const s of what.surrogateKeys ?? []) surrogateKeys.add(s);
        },
        enqueue: (job, payload, opts) => {
          if (!producer) throw new Error(`command "${command.name}": no queue configured, cannot enqueue ${job.name}`);
          jobs.push({ job, payload, options: opts });
        },
        afterCommit: (fn) => { after.push(fn); },
      };
      const value = await command.run(input, ctx);
      await withInvalidation(tx, [...keys], [...tags], { namespace: cache.namespace, surrogateKeys: [...surrogateKeys], table: options.outboxTable });
      return value;
    }, { session });
    // Committed. The outbox row makes the invalidation durable; applying it here as well makes it
    // immediate. The markers go first, so a refill after the delete cannot read an older replica.
    await markers.record([...keys, ...tags], session.lsn);
    await Promise.all([
      keys.size ? cache.invalidate([...keys]).catch((error) => log.warn({ err: error, command: command.name }, 'invalidation after commit failed (the outbox relay retries it)')) : undefined,
      tags.size ? cache.invalidateTags([...tags]).catch((error) => log.warn({ err: error, command: command.name }, 'tag invalidation after commit failed (the outbox relay retries it)')) : undefined,
    ]);
    const refs: string[] = [];
    const failedJobs: string[] = [];
    for (const { job, payload, options: opts } of jobs) {
      try {
        refs.push((await producer!.enqueue(job, payload as never, opts)).ref);
      } catch (error) {
        failedJobs.push(job.name);
        log.error({ err: error, command: command.name, job: job.name }, 'enqueue after commit failed');
      }
    }
    for (const fn of after) {
      try {
        await fn();
      } catch (error) {
        log.warn({ err: error, command: command.name }, 'afterCommit hook failed');
      }
    }
    return { result, token: db.token(session), jobs: refs, failedJobs };
  }

  // ---- health --------------------------------------------------------------------------------
  const checks: HealthCheck[] = [
    { name: 'primary', check: () => db.write('SELECT 1') },
    { name: 'cache', check: () => cache.store.get(`${cache.namespace}:pm:healthz`) },
  ];
  if (options.replicaUrl) checks.push({ name: 'replica', check: () => checkReplica(options.replicaUrl!) });
  if (producer) checks.push({ name: 'redis', check: () => producer.guarded('health check', () => producer.redis.ping()) });

  async function health(): Promise<HealthReport> {
    const report = await checkHealth(checks);
    return draining ? { ...report, status: 'draining' } : report;
  }

  // ---- HTTP ----------------------------------------------------------------------------------
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    const method = req.method ?? 'GET';
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
      const report = await health();
      sendJson(res, report.status === 'draining' ? 503 : 200, report);
      return;
    }
    const match = matchRoute(routes, method, path);
    if (match === undefined) throw new HttpError(404, `not found: ${method} ${path.slice(0, 200)}`);
    if (match === 'method') throw new HttpError(405, `method ${method} not allowed on ${path.slice(0, 200)}`);
    const token = headerValue(req.headers[SESSION_HEADER]);
    let session: DbSession;
    try {
      session = db.session(token);
    } catch (error) {
      if (error instanceof InvalidSessionTokenError) throw new InvalidInputError([`${SESSION_HEADER}: ${error.message}`]);
      throw error;
    }
    const target = match.route.target;
    const parent = propagation.extract(context.active(), req.headers);
    const spanName = `${target.kind} ${target.def.name}`;
    await tracer().startActiveSpan(spanName, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': match.route.pattern, 'tiered.platform.kind': target.kind } }, parent, async (span: Span) => {
      try {
        if (target.kind === 'resource') {
          const search = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
          const input = validate(target.def.input, { ...queryObject(search), ...match.params });
          const value = await readResource(target.def, input, session.lsn);
          if (value === undefined) throw new HttpError(404, `${target.def.name}: not found`);
          const headers = target.def.headers?.(input, value) ?? {};
          span.setAttribute('http.response.status_code', 200);
          sendJson(res, 200, value, headers);
        } else {
          const body = parseJsonObject(await readBody(req));
          const input = validate(target.def.input, { ...body, ...match.params });
          const outcome = await execute(target.def, input, token);
          const headers: Record<string, string> = { [SESSION_HEADER]: outcome.token };
          if (outcome.jobs.length) headers['x-tiered-jobs'] = outcome.jobs.join(',');
          span.setAttribute('http.response.status_code', target.def.status);
          sendJson(res, target.def.status, outcome.result ?? null, headers);
        }
      } catch (error) {
        const status = statusOf(error);
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        }
        throw error;
      } finally {
        span.end();
      }
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    inflight++;
    if (draining) res.setHeader('connection', 'close');
    req.on('error', () => {}); // an aborted upload ends this request only
    res.on('error', () => {});
    serve(req, res).catch((error) => answerError(res, error)).finally(() => {
      inflight--;
      if (inflight === 0) idle?.();
    });
  }

  function answerError(res: ServerResponse, error: unknown): void {
    const status = statusOf(error);
    if (status >= 500) log.error({ err: error }, 'request failed');
    if (error instanceof InvalidInputError) return sendJson(res, 400, { error: 'invalid input', problems: error.problems });
    if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
    if (error instanceof DbWriteUnavailableError || error instanceof RedisUnavailableError) return sendJson(res, 503, { error: (error as Error).message }, { 'retry-after': '1' });
    sendJson(res, 500, { error: 'internal error' });
  }

  return {
    handle,
    async prepare() {
      await ensureOutboxTable({ query: (sql: string, params?: unknown[]) => db.write(sql, params) }, options.outboxTable);
      return migrate(db, options.app?.name ?? 'platform', options.app?.migrations ?? []);
    },
    async listen(port, host = '127.0.0.1') {
      server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, handle);
      server.on('clientError', (_error, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        else socket.destroy();
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => {
          server!.off('error', reject);
          resolve();
        });
      });
      return { port: (server.address() as AddressInfo).port, server };
    },
    read: (resource, input, token) => readResource(resource, input, db.session(token).lsn),
    readMany: (resource, inputs, token) => readResources(resource, inputs, db.session(token).lsn),
    execute,
    health,
    async close() {
      draining = true;
      if (!server) return;
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeIdleConnections();
      if (inflight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => { idle = resolve; }),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

function statusOf(error: unknown): number {
  if (error instanceof InvalidInputError) return 400;
  if (error instanceof HttpError) return error.status;
  if (error instanceof DbWriteUnavailableError || error instanceof RedisUnavailableError) return 503;
  return 500;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}

/** A cache key or tag as given, or its SHA-256 when memcached could not hold it. */
export function safeKey(name: string): string {
  return keyProblem(name) === undefined && name.length <= 180 ? name : `h:${createHash('sha256').update(String(name)).digest('base64url')}`;
}

async function checkReplica(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    if (!rows[0]?.r) throw new Error('the read port reaches a primary (no replica in service)');
  } finally {
    await client.end().catch(() => {});
  }
}
