// The `gateway:` section of tiered.yaml, the one schema of the gateway (validated once).
// Frontends are a union on `mode` (http | tcp: the tcp fields come from gateway/tcp/config.ts);
// a backend is one model for both modes. Defaults live here, on the schema.
import { z } from 'zod';
import { nativeParser } from './frontend/llhttp.js';
import { duration, hostPort, size } from '../sdk/config/schema.js';
import { edgeConfigSchema } from './edge/config.js';
import { checkTimers, postgresCheckSchema, tcpBackendFields, tcpCheckSchema, tcpFrontendFields, tcpServerSchema } from './tcp/config.js';

export const BALANCE_ALGORITHMS = ['p2c-ewma', 'roundrobin', 'leastconn', 'random', 'hash', 'first'] as const;

/** `200-399` or `200`: the status range an HTTP check expects. */
const statusRange = () =>
  z.union([z.string(), z.number(), z.strictObject({ min: z.number().int(), max: z.number().int() })]).transform((value, ctx) => {
    if (typeof value === 'object') return value;
    const match = /^\s*(\d{3})\s*(?:-\s*(\d{3}))?\s*$/.exec(String(value));
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `expected a status or range like 200-399, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return { min: Number(match[1]), max: Number(match[2] ?? match[1]) };
  });

export const httpCheckSchema = z.strictObject({
  type: z.literal('http'),
  ...checkTimers,
  method: z.enum(['GET', 'HEAD', 'OPTIONS']).default('GET'),
  path: z.string().startsWith('/').default('/'),
  /** Host header sent with the check (default: the server address). */
  host: z.string().optional(),
  expect: statusRange().default({ min: 200, max: 399 }),
});

export const checkSchema = z.discriminatedUnion('type', [httpCheckSchema, tcpCheckSchema, postgresCheckSchema]);

const hashSchema = z.strictObject({
  on: z.enum(['source', 'uri', 'header', 'cookie']).default('source'),
  /** Header or cookie name when `on` is header/cookie. */
  name: z.string().min(1).optional(),
  /** Bounded load: no server takes more than this factor × the average in-flight. */
  boundedLoad: z.number().min(1).default(1.25),
});

const outlierSchema = z.strictObject({
  /** Consecutive connect errors / 5xx that eject a server (0 = passive checks off). */
  consecutiveErrors: z.number().int().min(0).default(5),
  /** Ejection time grows with repeated ejections: base × n, capped at max. */
  baseEjectionTime: duration().default(30_000),
  maxEjectionTime: duration().default(300_000),
  /** Never eject more than this percentage of a backend's servers at once. */
  maxEjectionPercent: z.number().min(0).max(100).default(50),
});

const retrySchema = z.strictObject({
  /** Extra attempts after the first (each on a different server). */
  attempts: z.number().int().min(0).default(2),
  /** Retries may add at most this fraction of requests... */
  budget: z.number().min(0).max(1).default(0.2),
  /** ...but this many concurrent retries are always allowed. */
  minConcurrent: z.number().int().min(0).default(3),
});

export const backendSchema = z.strictObject({
  name: z.string().min(1),
  /** Default: p2c-ewma when an HTTP frontend uses it, leastconn for TCP. */
  balance: z.enum(BALANCE_ALGORITHMS).optional(),
  hash: hashSchema.optional(),
  check: checkSchema.optional(),
  servers: z.array(tcpServerSchema).min(1),
  ...tcpBackendFields,
  timeouts: z.strictObject({
    connect: duration().default(5000),
    /** Time allowed for the server to send the response headers (→ 504). */
    server: duration().default(30_000),
  }).prefault({}),
  retries: retrySchema.prefault({}),
  outlier: outlierSchema.prefault({}),
  /** Below this percentage of healthy servers, balance across all of them (0 = off). */
  panicThreshold: z.number().min(0).max(100).default(50),
  /** Ramp a recovered server's weight up over this long. */
  slowstart: duration().default(0),
  /**
   * Time constant of the peak-EWMA latency estimate (p2c-ewma): how fast a latency spike of a
   * fast server is forgotten, and how fast an idle slow server's estimate decays so it is tried
   * again. Finagle and Linkerd use 10 s; measured here (slow-backend bench, 1,000 req/s) 10 s let
   * one stall-inflated estimate of a fast server send the slow one >1 % of requests for seconds
   * (p99 20.8 ms, 4.4x all-healthy), 2 s did not (5.1 ms, 1.2x).
   */
  decayTime: duration().default(2_000),
  /** Sticky sessions by an inserted cookie. */
  sticky: z.strictObject({ cookie: z.string().min(1).default('TIERED_SRV') }).optional(),
  /** Idle keep-alive sockets kept per server (native and http-proxy-3 engines). */
  maxIdleSockets: z.number().int().min(0).default(256),
  /**
   * What carries HTTP requests to the servers: `native` (default; keep-alive sockets and Node's
   * own llhttp parser, the least CPU per request), `undici` (its dispatch API; the default when
   * this Node does not expose its parser) or `http-proxy-3` (its web pass on node:http keep-alive
   * agents). WebSocket upgrades always go through http-proxy-3.
   */
  engine: z.enum(['native', 'undici', 'http-proxy-3']).default(nativeParser ? 'native' : 'undici')
    .refine((engine) => engine !== 'native' || nativeParser !== undefined, 'this Node does not expose its HTTP parser (_http_common.HTTPParser): use engine undici'),
});

const tlsSchema = z.strictObject({ cert: z.string().min(1), key: z.string().min(1) });

export const httpFrontendSchema = z.strictObject({
  name: z.string().min(1),
  listen: hostPort(),
  mode: z.literal('http').default('http'),
  backend: z.string().min(1),
  tls: tlsSchema.optional(),
  /** Addresses/CIDRs whose X-Forwarded-* / Forwarded headers are believed. */
  trustedProxies: z.array(z.string().min(1)).default([]),
  timeouts: z.strictObject({
    /** Idle keep-alive client connection. */
    client: duration().default(60_000),
    /** Time to receive the request headers (slowloris). */
    headers: duration().default(10_000),
    /** Time to receive the whole request. */
    request: duration().default(30_000),
  }).prefault({}),
  maxHeaderSize: size().default(16 * 1024),
  /**
   * The server side: `native` parses client requests with Node's llhttp directly (no node:http
   * request and response objects; about a fifth less CPU per proxied request), `node` uses
   * node:http. A backend on the http-proxy-3 engine always gets node:http.
   */
  server: z.enum(['native', 'node']).default(nativeParser ? 'native' : 'node')
    .refine((server) => server !== 'native' || nativeParser !== undefined, 'this Node does not expose its HTTP parser (_http_common.HTTPParser): use server node'),
  /** Token bucket per client IP → 429 with Retry-After. */
  rateLimit: z.strictObject({ rate: z.number().positive(), burst: z.number().int().min(1).optional() }).optional(),
  /** The CDN edge cache in front of this frontend's backend (gateway/edge/config.ts, docs/edge.md). */
  edge: edgeConfigSchema.optional(),
});

export const tcpFrontendSchema = z.strictObject({
  name: z.string().min(1),
  listen: hostPort(),
  mode: z.literal('tcp'),
  backend: z.string().min(1),
  ...tcpFrontendFields,
});

export const frontendSchema = z.discriminatedUnion('mode', [httpFrontendSchema, tcpFrontendSchema]);

const adminSchema = z.strictObject({
  listen: hostPort().default('127.0.0.1:8404'),
  /** Bearer token; TIERED_ADMIN_TOKEN overrides it. */
  token: z.string().min(1).optional(),
});

export const gatewayConfigSchema = z.strictObject({
  frontends: z.array(frontendSchema).default([]),
  backends: z.array(backendSchema).default([]),
  admin: adminSchema.optional(),
  /** JSON access log lines (one per request). */
  accessLog: z.boolean().default(true),
  /** SIGTERM: time allowed for in-flight requests to finish. */
  grace: duration().default(10_000),
  workers: z.number().int().min(1).default(1),
  /**
   * HAProxy's master-worker model: a supervising primary that never touches client connections
   * restarts a worker that dies. false runs one plain process (workers must then be 1).
   */
  supervisor: z.boolean().default(true),
}).superRefine((value, ctx) => {
  if (!value.supervisor && value.workers > 1) ctx.addIssue({ code: 'custom', path: ['workers'], message: `expected 1 without the supervisor (supervisor: false), got ${value.workers}` });
  const names = new Set<string>();
  value.backends.forEach((b, i) => {
    if (names.has(b.name)) ctx.addIssue({ code: 'custom', path: ['backends', i, 'name'], message: `expected a unique backend name, got "${b.name}" twice` });
    names.add(b.name);
    const servers = new Set<string>();
    b.servers.forEach((s, j) => {
      if (servers.has(s.name)) ctx.addIssue({ code: 'custom', path: ['backends', i, 'servers', j, 'name'], message: `expected a unique server name, got "${s.name}" twice` });
      servers.add(s.name);
    });
    if (b.balance === 'hash' && b.hash && (b.hash.on === 'header' || b.hash.on === 'cookie') && !b.hash.name) {
      ctx.addIssue({ code: 'custom', path: ['backends', i, 'hash', 'name'], message: `expected the ${b.hash.on} name to hash on, got nothing` });
    }
  });
  checkBackendReferences(value, ctx);
});

/** Every frontend's backend and every fallback must name a configured backend. */
function checkBackendReferences(
  value: { frontends: readonly { backend: string }[]; backends: readonly { name: string; fallback?: string }[] },
  ctx: z.RefinementCtx,
): void {
  const names = new Set(value.backends.map((b) => b.name));
  value.frontends.forEach((f, i) => {
    if (!names.has(f.backend)) ctx.addIssue({ code: 'custom', path: ['frontends', i, 'backend'], message: `expected the name of a backend, got "${f.backend}"` });
  });
  value.backends.forEach((b, i) => {
    if (b.fallback !== undefined && (!names.has(b.fallback) || b.fallback === b.name)) {
      ctx.addIssue({ code: 'custom', path: ['backends', i, 'fallback'], message: `expected the name of another backend, got "${b.fallback}"` });
    }
  });
}

export type GatewayInput = z.input<typeof gatewayConfigSchema>;
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type BackendConfig = z.output<typeof backendSchema>;
export type ServerConfig = BackendConfig['servers'][number];
export type HttpFrontendConfig = z.output<typeof httpFrontendSchema>;
export type TcpFrontendConfig = z.output<typeof tcpFrontendSchema>;
export type FrontendConfig = z.output<typeof frontendSchema>;
export type HttpCheckConfig = z.output<typeof httpCheckSchema>;
export type CheckConfig = z.output<typeof checkSchema>;
export type PostgresCheckConfig = z.output<typeof postgresCheckSchema>;
export type TcpCheckConfig = z.output<typeof tcpCheckSchema>;
export type BalanceAlgorithm = (typeof BALANCE_ALGORITHMS)[number];

/** Validates a gateway section given as a plain object (tests, quick mode). */
export function parseGatewayConfig(input: unknown): GatewayConfig {
  return gatewayConfigSchema.parse(input);
}
