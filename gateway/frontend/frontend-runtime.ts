// The runtime of one HTTP frontend: its settings resolved from config (trusted proxies, rate
// limiter, proto), the backend it routes to (looked up per request, so a reload swaps it), the
// http-proxy-3 instance, stats, the access log and request metrics.
import type { FrontRequest, FrontResponse } from './front.js';
import type { BlockList } from 'node:net';
import { metrics, type Histogram } from '@opentelemetry/api';
import type { ProxyServer } from 'http-proxy-3';
import type { Logger } from '../../sdk/log/logger.js';
import type { BackendRuntime } from '../backend/backend.js';
import { Stats } from '../backend/stats.js';
import type { HttpFrontendConfig } from '../config.js';
import { Exchange } from './exchange.js';
import { trustedProxyList } from './headers.js';
import { RateLimiter } from './rate-limit.js';
import type { Edge } from '../edge/edge.js';

let durationHistogram: Histogram | undefined;
function requestDuration(): Histogram {
  durationHistogram ??= metrics.getMeter('tiered.gateway').createHistogram('tiered.gateway.request.duration', {
    description: 'Gateway request duration, client side (queue + connect + response)',
    unit: 's',
  });
  return durationHistogram;
}

export class HttpFrontendRuntime {
  readonly name: string;
  readonly proto: 'http' | 'https';
  readonly trusted: BlockList | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly stats = new Stats();
  /** Stopping: responses close their connection instead of keeping it alive. */
  draining = false;
  /** Client connections open right now. */
  connections = 0;
  /** The CDN edge in front of the backend (frontends with `edge:`; gateway.ts sets it). */
  edge: Edge | undefined;
  private readonly attributes = new Map<string, Map<number, MetricAttributes>>();

  constructor(
    readonly config: HttpFrontendConfig,
    /** Which listener serves it: Tiered's own llhttp server, or node:http (listener.ts decides). */
    readonly server: 'native' | 'node',
    readonly proxy: ProxyServer,
    private readonly lookup: (name: string) => BackendRuntime | undefined,
    private readonly accessLog: Logger | undefined,
  ) {
    this.name = config.name;
    this.proto = config.tls ? 'https' : 'http';
    this.trusted = trustedProxyList(config.trustedProxies);
    this.rateLimiter = config.rateLimit ? new RateLimiter(config.rateLimit.rate, config.rateLimit.burst) : undefined;
  }

  backend(): BackendRuntime | undefined {
    return this.lookup(this.config.backend);
  }

  handle(req: FrontRequest, res: FrontResponse): void {
    const exchange = new Exchange(this, req, res);
    try {
      exchange.run();
    } catch (error) {
      // Containment: a fault while handling one request ends that request (500), nothing else.
      exchange.fault(error);
    }
  }

  private metricAttributes(backend: string, status: number): MetricAttributes {
    let byStatus = this.attributes.get(backend);
    if (!byStatus) this.attributes.set(backend, byStatus = new Map());
    let attributes = byStatus.get(status);
    if (!attributes) {
      attributes = Object.freeze({ 'tiered.frontend': this.name, 'tiered.backend': backend, 'http.response.status_code': status });
      byStatus.set(status, attributes);
    }
    return attributes;
  }

  /** The exchange is over: counters, histogram, metrics, access log line. */
  record(x: Exchange, finished: boolean): void {
    const total = performance.now() - x.start;
    const now = Date.now();
    const stats = this.stats;
    const server = x.attempt?.server;
    const bytesIn = x.connection.takeBytesIn();
    const bytesOut = x.connection.takeBytesOut();
    const status = x.status;
    stats.status(status);
    stats.time(total, now);
    stats.bytesIn += bytesIn;
    stats.bytesOut += bytesOut;
    if (!finished) stats.errors.aborted++;
    const backend = x.backend;
    if (backend && status) {
      backend.stats.status(status);
      backend.stats.time(total, now);
      if (x.queueMs >= 0) backend.stats.time(x.queueMs, now, 'queue');
      backend.stats.bytesIn += bytesIn;
      backend.stats.bytesOut += bytesOut;
    }
    if (server && status && x.termination === '--') {
      server.stats.status(status);
      server.stats.time(total, now);
      // Per hop: to a connected server (≈0 on a reused keep-alive connection), then server to response head.
      if (x.connectMs >= 0) server.stats.time(x.connectMs, now, 'connect');
      if (x.headersMs >= 0) server.stats.time(x.headersMs, now, 'response');
      server.stats.bytesIn += bytesIn;
      server.stats.bytesOut += bytesOut;
    }
    requestDuration().record(total / 1000, this.metricAttributes(backend?.name ?? '', status));
    if (this.accessLog) {
      this.accessLog.info({
        frontend: this.name,
        backend: backend?.name,
        server: server?.name,
        client: x.client,
        method: x.req.method,
        path: x.req.url,
        status: x.status || undefined,
        retries: x.retries,
        tw: round(x.queueMs),
        tc: round(x.connectMs),
        tr: round(x.headersMs),
        ta: round(total),
        bytes_in: bytesIn,
        bytes_out: bytesOut,
        term: x.termination,
        cache: x.cache,
        request_id: x.id,
      }, 'request');
    }
  }
}

/** OpenTelemetry attributes of one frontend/backend/status combination, built once (not per request). */
type MetricAttributes = { 'tiered.frontend': string; 'tiered.backend': string; 'http.response.status_code': number };

function round(ms: number): number {
  return ms < 0 ? -1 : Math.round(ms * 1000) / 1000;
}
