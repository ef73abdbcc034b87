// Resources (reads) and commands (writes), declared as plain data plus functions, and the app
// that groups them. The same definitions serve HTTP (createPlatform) and can be called in-process.
//
//   const profile = defineResource({
//     name: 'profile', path: '/users/:id', input: z.object({ id: z.coerce.number().int().positive() }),
//     key: ({ id }) => `user:${id}`,
//     load: async ({ id }, ctx) => (await ctx.read('SELECT * FROM users WHERE id = $1', [id]))[0],
//   });
//   const rename = defineCommand({
//     name: 'rename', method: 'PUT', path: '/users/:id/name', input: z.object({ id: …, name: z.string().min(1) }),
//     run: async ({ id, name }, ctx) => {
//       await ctx.tx.query('UPDATE users SET name = $2 WHERE id = $1', [id, name]);
//       ctx.invalidate({ keys: [`user:${id}`], surrogateKeys: [`user:${id}`] });
//       return { ok: true };
//     },
//   });
import type { z } from 'zod';
import type { Cache } from '../cache/cache.js';
import type { DbClient, DbTransaction } from '../sdk/db/client.js';
import type { EnqueueOptions, Producer } from '../queue/producer.js';
import type { JobDefinition, PayloadOf } from '../queue/job/define.js';
import { DefinitionError } from './errors.js';

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** What a resource's load gets besides its input. */
export interface ResourceContext {
  /** A plain read on the DB read port (replica) that sees at least this load's session position. */
  read<R = any>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Another resource, through the cache, with the same read-your-writes rules. */
  get<I, T>(resource: Resource<I, T>, input: I): Promise<T | undefined>;
  /**
   * Many inputs of one resource, answers in order: one cache read for all their keys and one
   * batch load of the misses (the resource's loadMany, one read-your-writes check) instead of a
   * round trip set per input. A page hydrating 50 posts: two cache round trips when warm.
   */
  getMany<I, T>(resource: Resource<I, T>, inputs: readonly I[]): Promise<(T | undefined)[]>;
  cache: Cache;
  db: DbClient;
  /** The producer's Redis connection (fails fast), when the platform has a queue. */
  producer?: Producer;
  /** Whatever the app put there (createPlatform's `services`). */
  services: Record<string, unknown>;
}

export interface Resource<I = any, T = any> {
  readonly kind: 'resource';
  readonly name: string;
  readonly path: string;
  readonly input: z.ZodType<I>;
  /** Cache key; none (or `cache: false`) means every read runs `load`. */
  readonly key?: (input: I) => string;
  readonly tags?: (input: I) => string[];
  readonly ttl?: string | number;
  readonly load: (input: I, ctx: ResourceContext) => Promise<T | undefined>;
  /**
   * Optional batch load: one answer per input, in order. Cache misses of this resource that
   * arrive together (a page hydrating 50 posts) are then filled by one call instead of one each.
   */
  readonly loadMany?: (inputs: I[], ctx: ResourceContext) => Promise<(T | undefined)[]>;
  /** Extra response headers (Cache-Control, Surrogate-Key…). */
  readonly headers?: (input: I, value: T) => Record<string, string>;
}

export interface ResourceOptions<S extends z.ZodType, T> {
  name: string;
  path: string;
  input: S;
  key?: (input: z.output<S>) => string;
  tags?: (input: z.output<S>) => string[];
  ttl?: string | number;
  load: (input: z.output<S>, ctx: ResourceContext) => Promise<T | undefined>;
  loadMany?: (inputs: z.output<S>[], ctx: ResourceContext) => Promise<(T | undefined)[]>;
  headers?: (input: z.output<S>, value: T) => Record<string, string>;
}

export function defineResource<S extends z.ZodType, T>(options: ResourceOptions<S, T>): Resource<z.output<S>, T> {
  check(options.name, options.path);
  if (typeof options.load !== 'function') throw new DefinitionError(`resource "${options.name}": load must be a function`);
  return Object.freeze({ kind: 'resource' as const, ...options, input: options.input as unknown as z.ZodType<z.output<S>> });
}

/** Keys, tags and edge surrogate keys a command makes stale. */
export interface Invalidation {
  keys?: readonly string[];
  tags?: readonly string[];
  surrogateKeys?: readonly string[];
}

/** What a command's run gets: its transaction on the write port and what happens on commit. */
export interface CommandContext {
  tx: DbTransaction;
  /** Recorded in the outbox in this transaction (durable), applied at once after commit too. */
  invalidate(what: Invalidation): void;
  /** Enqueued after the commit (never for a rolled-back command). */
  enqueue<D extends JobDefinition>(job: D, payload: PayloadOf<D>, options?: EnqueueOptions): void;
  /** Runs after the commit (errors are logged, the command still succeeds). */
  afterCommit(fn: () => Promise<unknown> | unknown): void;
  cache: Cache;
  db: DbClient;
  producer?: Producer;
  services: Record<string, unknown>;
}

export type CommandMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Command<I = any, T = any> {
  readonly kind: 'command';
  readonly name: string;
  readonly method: CommandMethod;
  readonly path: string;
  readonly input: z.ZodType<I>;
  /** Status of a success (default 200). */
  readonly status: number;
  readonly run: (input: I, ctx: CommandContext) => Promise<T>;
}

export interface CommandOptions<S extends z.ZodType, T> {
  name: string;
  method?: CommandMethod;
  path: string;
  input: S;
  status?: number;
  run: (input: z.output<S>, ctx: CommandContext) => Promise<T>;
}

export function defineCommand<S extends z.ZodType, T>(options: CommandOptions<S, T>): Command<z.output<S>, T> {
  check(options.name, options.path);
  if (typeof options.run !== 'function') throw new DefinitionError(`command "${options.name}": run must be a function`);
  return Object.freeze({
    kind: 'command' as const, ...options, method: options.method ?? 'POST', status: options.status ?? 200,
    input: options.input as unknown as z.ZodType<z.output<S>>,
  });
}

/** An app: what `tiered platform --app <module>` serves (the module's default export). */
export interface PlatformApp {
  readonly name: string;
  readonly resources: readonly Resource[];
  readonly commands: readonly Command[];
  /** SQL run in order at start, each once (recorded in tiered_platform_migrations). */
  readonly migrations?: readonly { id: string; sql: string }[];
  /** Builds app services (clients, settings) from the platform's `options` section. */
  readonly services?: (deps: { options: Record<string, unknown>; cache: Cache; db: DbClient; producer?: Producer }) => Record<string, unknown>;
}

export function defineApp(app: Omit<PlatformApp, 'resources' | 'commands'> & Partial<Pick<PlatformApp, 'resources' | 'commands'>>): PlatformApp {
  if (!NAME.test(app.name)) throw new DefinitionError(`app name ${JSON.stringify(app.name)}: expected 1-100 letters, digits, _ . or -`);
  return Object.freeze({ resources: [], commands: [], ...app });
}

function check(name: string, path: string): void {
  if (!NAME.test(name)) throw new DefinitionError(`name ${JSON.stringify(name)}: expected 1-100 letters, digits, _ . or -`);
  if (typeof path !== 'string' || !path.startsWith('/')) throw new DefinitionError(`"${name}": path must start with /`);
}
