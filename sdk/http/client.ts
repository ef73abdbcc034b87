// createHttpClient: a smart client for a pool of HTTP hosts. One keep-alive undici Pool per
// host; the shared ServerPool picks the host (p2c-ewma by default), passive outlier detection
// and optional active checks keep it away from downed hosts, retries and hedges go through
// dispatch.ts. Start-up order: options → pool → health checker → discovery.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { Pool, type Dispatcher } from 'undici';
import type { BalanceName } from '../balance/candidate.js';
import { ServerPool, type PoolServer } from '../balance/server-pool.js';
import { parseDuration } from '../config/units.js';
import { HedgePolicy } from '../hedge.js';
import { HealthChecker } from '../health/health-checker.js';
import { httpProbe } from '../health/probes.js';
import { createLogger } from '../log/logger.js';
import { monotonicClock, type Clock, type Rng } from '../random.js';
import { RetryBudget } from '../retry-budget.js';
import { startDiscovery, type DiscoveredHost, type DiscoveryOptions } from './discovery.js';
import { DeadlineQueue } from './deadlines.js';
import { dispatch } from './dispatch.js';
import { isIdempotentMethod } from './semantics.js';
import { createClientMetrics } from './metrics.js';
import type { HttpResponse } from './response.js';

type Duration = string | number;

export interface HttpClientOptions {
  /** Static host list (origins); or use `discovery`. */
  hosts?: string[];
  discovery?: DiscoveryOptions;
  /** Name used in metrics and logs. */
  name?: string;
  balance?: BalanceName;
  /** Whole-request time budget, retries and hedges included (10s). */
  timeout?: Duration;
  retry?: { budget?: number; minConcurrent?: number; attempts?: number } | false;
  /** Hedged requests for idempotent calls; off unless given. */
  hedge?: { percentile?: number; latePercentile?: number; maxExtra?: number; reserve?: number; minSamples?: number; minDelay?: Duration; window?: Duration } | false;
  /** Active health checks; off unless given. */
  health?: { path?: string; interval?: Duration; fastInterval?: Duration; downInterval?: Duration; rise?: number; fall?: number; timeout?: Duration; expect?: [number, number] } | false;
  outlier?: { consecutiveFailures?: number; baseEjectionTime?: Duration; maxEjectionTime?: Duration; maxEjectedShare?: number } | false;
  panicThreshold?: number | false;
  slowstart?: Duration;
  decayTime?: Duration;
  /**
   * Header carrying the remaining time budget in ms to the server. By default
   * `x-tiered-deadline-ms`, sent when a timeout was set (client `timeout` or the request's); a
   * name sends it on every request (the 10 s default budget included); false never.
   */
  deadlineHeader?: string | false;
  /** Keep-alive connections per host (unlimited by default). */
  connections?: number;
  headers?: Record<string, string>;
  rng?: Rng;
  clock?: Clock;
}

export interface HttpRequestInit {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A string or bytes (replayable, so retries and hedges can resend it); objects are sent as JSON. */
  body?: string | Uint8Array | Record<string, unknown> | unknown[];
  signal?: AbortSignal;
  timeout?: Duration;
  /** Defaults by method: GET, HEAD, OPTIONS, PUT, DELETE, TRACE are idempotent. */
  idempotent?: boolean;
  /** Key for `balance: 'hash'` (user id, session, URI). */
  key?: string;
}

export interface HostView {
  host: string;
  admin: string;
  healthy: boolean;
  outlier: string;
  inFlight: number;
  latency?: number;
  requests: number;
  failures: number;
}

export interface HttpClient {
  request(init: HttpRequestInit): Promise<HttpResponse>;
  get(path: string, init?: Omit<HttpRequestInit, 'path' | 'method'>): Promise<HttpResponse>;
  /** Resolves once the first host list is known. */
  readonly ready: Promise<void>;
  readonly pool: ServerPool;
  hosts(): HostView[];
  stats(): { retry?: ReturnType<RetryBudget['stats']>; hedge?: ReturnType<HedgePolicy['stats']> };
  close(): Promise<void>;
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Ends a recording span with the request's outcome. */
async function traced(span: Span, pending: Promise<HttpResponse>): Promise<HttpResponse> {
  try {
    const res = await pending;
    span.setAttributes({ 'http.response.status_code': res.status, 'server.address': res.host, 'tiered.attempts': res.attempts, 'tiered.hedged': res.hedged });
    if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return res;
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
const ms = (d: Duration | undefined, fallback: number) => (d === undefined ? fallback : parseDuration(d));

export function createHttpClient(options: HttpClientOptions): HttpClient {
  if (!options.hosts?.length && !options.discovery) throw new RangeError('createHttpClient needs `hosts` or `discovery`');
  const name = options.name ?? 'http';
  const logger = createLogger('sdk').child({ client: name });
  const clock = options.clock ?? monotonicClock;
  const metrics = createClientMetrics(name);
  const tracer = trace.getTracer('tiered.sdk');
  const timeout = ms(options.timeout, 10_000);
  const outlier = options.outlier === false ? false : {
    consecutiveFailures: options.outlier?.consecutiveFailures,
    baseEjectionTime: ms(options.outlier?.baseEjectionTime, 30_000),
    maxEjectionTime: ms(options.outlier?.maxEjectionTime, 300_000),
    maxEjectedShare: options.outlier?.maxEjectedShare,
  };
  const pool = new ServerPool([], {
    balance: options.balance ?? 'p2c-ewma', rng: options.rng, clock, outlier,
    panicThreshold: options.panicThreshold, slowstart: ms(options.slowstart, 0), decayTime: ms(options.decayTime, 10_000),
  });
  pool.onEvent((event) => {
    if (event.type === 'eject') {
      metrics.ejection(event.id);
      logger.warn({ host: event.id, ejections: event.ejections, forMs: Math.round(event.until - event.at) }, 'host ejected');
    } else if (event.type === 'uneject') {
      logger.info({ host: event.id }, 'host unejected');
    } else {
      metrics.transition(event.id, event.type === 'up');
      logger.info({ host: event.id }, `host ${event.type}`);
    }
  });
  const budget = options.retry === false ? undefined : new RetryBudget({ ratio: options.retry?.budget, minConcurrent: options.retry?.minConcurrent, clock });
  const maxAttempts = options.retry === false ? 1 : Math.max(1, options.retry?.attempts ?? 3);
  const hedge = options.hedge ? new HedgePolicy({
    percentile: options.hedge.percentile, latePercentile: options.hedge.latePercentile, maxExtra: options.hedge.maxExtra,
    reserve: options.hedge.reserve, minSamples: options.hedge.minSamples,
    minDelay: ms(options.hedge.minDelay, 1), window: ms(options.hedge.window, 10_000), clock,
  }) : undefined;
  const health = options.health || undefined;
  const checker = health ? new HealthChecker(pool, {
    interval: ms(health.interval, 2_000), fastInterval: health.fastInterval === undefined ? undefined : ms(health.fastInterval, 0),
    downInterval: health.downInterval === undefined ? undefined : ms(health.downInterval, 0),
    rise: health.rise, fall: health.fall, timeout: health.timeout === undefined ? undefined : ms(health.timeout, 0), rng: options.rng, clock,
  }) : undefined;

  const dispatchers = new Map<string, Pool>();
  const dispatcherFor = (server: PoolServer): Dispatcher => {
    let d = dispatchers.get(server.id);
    if (!d) {
      d = new Pool(server.id, { connections: options.connections ?? null, keepAliveTimeout: 4_000, pipelining: 1 });
      dispatchers.set(server.id, d);
    }
    return d;
  };

  const applyHosts = (hosts: DiscoveredHost[]) => {
    const wanted = new Map(hosts.map((h) => [h.id, h]));
    for (const server of [...pool.servers]) {
      if (wanted.has(server.id)) continue;
      pool.remove(server.id);
      checker?.remove(server.id);
      const d = dispatchers.get(server.id);
      dispatchers.delete(server.id);
      void d?.close().catch(() => {});
      logger.info({ host: server.id }, 'host removed');
    }
    for (const host of hosts) {
      const existing = pool.get(host.id);
      if (!existing) {
        pool.add({ id: host.id, weight: host.weight });
        checker?.add({ id: host.id, probe: httpProbe({ url: host.id, path: health && health.path, expect: health && health.expect }) });
      }
      pool.update(host.id, { admin: host.admin ?? 'ready', weight: host.weight });
      if (!checker && host.healthy !== undefined) pool.setHealthy(host.id, host.healthy);
    }
  };

  const discovery = startDiscovery(options.discovery ?? { static: options.hosts! }, applyHosts, logger);
  checker?.start();

  const dispatchContext = { pool, dispatcherFor, budget, hedge, maxAttempts, metrics, clock, deadlines: new DeadlineQueue(clock) };
  // The deadline header costs both ends a header per request: by default it goes only where a
  // budget was chosen (client or request timeout), not for the implicit 10 s.
  const deadlineName = options.deadlineHeader === false ? undefined : (options.deadlineHeader ?? 'x-tiered-deadline-ms');
  const deadlineAlways = typeof options.deadlineHeader === 'string' || options.timeout !== undefined;
  const spanNames = new Map<string, string>();
  const defaultHeaders = options.headers;

  const request = (init: HttpRequestInit): Promise<HttpResponse> => {
    const method = init.method === undefined ? 'GET' : init.method.toUpperCase();
    // A copy of the caller's headers (retries and hedges send them later), and none at all when
    // there are none: the per-attempt copy with the deadline header is made by dispatch.
    let headers: Record<string, string> = defaultHeaders ? { ...defaultHeaders, ...init.headers } : init.headers ? { ...init.headers } : NO_HEADERS;
    let body: string | Uint8Array | undefined;
    if (typeof init.body === 'string' || init.body instanceof Uint8Array) body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      if (headers === NO_HEADERS) headers = {};
      headers['content-type'] ??= 'application/json';
    }
    metrics.request(method);
    let spanName = spanNames.get(method);
    if (!spanName) spanNames.set(method, (spanName = `HTTP ${method}`));
    const span = tracer.startSpan(spanName, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.path': init.path } });
    const input = {
      request: { method, path: init.path, headers, body },
      idempotent: init.idempotent ?? isIdempotentMethod(method),
      key: init.key, signal: init.signal, timeout: init.timeout === undefined ? timeout : parseDuration(init.timeout),
      deadlineHeader: deadlineAlways || init.timeout !== undefined ? deadlineName : undefined,
    };
    if (!span.isRecording()) {
      span.end(); // a non-recording span records nothing: skip the per-request bookkeeping
      return dispatch(dispatchContext, input);
    }
    if (headers === NO_HEADERS) input.request.headers = headers = {};
    propagation.inject(trace.setSpan(context.active(), span), headers);
    return traced(span, dispatch(dispatchContext, input));
  };

  return {
    request,
    get: (path, init) => request(init ? { ...init, path, method: 'GET' } : { path, method: 'GET' }),
    ready: discovery.ready,
    pool,
    hosts: () => pool.servers.map((s) => ({
      host: s.id, admin: s.admin, healthy: s.healthy, outlier: s.outlierState, inFlight: s.inFlight,
      latency: s.latency, requests: s.totals.requests, failures: s.totals.failures,
    })),
    stats: () => ({ retry: budget?.stats(), hedge: hedge?.stats() }),
    close: async () => {
      discovery.stop();
      checker?.stop();
      await Promise.all([...dispatchers.values()].map((d) => d.close().catch(() => {})));
      dispatchers.clear();
    },
  };
}
