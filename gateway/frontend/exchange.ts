// One client request through the HTTP proxy: guard → rate limit → headers → acquire a server
// (maybe after waiting in the backend queue) → attempt on the backend's upstream engine (native
// keep-alive connections, undici dispatch, or http-proxy-3's web pass) → on a retryable failure another server within the
// retry budget → response (or 502/503/504 with the request id) → access log. Every attempt ends
// exactly once in the pool (in-flight, EWMA, outlier). The engines only move bytes: they report
// connect, response head and errors back here, where every decision is made.
import { IncomingMessage } from 'node:http';
import type { FrontRequest, FrontResponse } from './front.js';
import { PassThrough } from 'node:stream';
import type { Outcome } from '../../sdk/balance/server-pool.js';
import type { AcquireFailure, BackendRuntime, Slot } from '../backend/backend.js';
import { sendError } from './error-response.js';
import { headerObject, isTrusted, requestIdFor, upstreamRequestHead } from './headers.js';
import { clientConnection, type ClientConnection } from './client-connection.js';
import type { HttpFrontendRuntime } from './frontend-runtime.js';
import { isRetryableStatus } from '../../sdk/http/semantics.js';
import { mayRetry, requestHasBody, type AttemptFailure } from './retry-policy.js';
import { rejectReason } from './request-guard.js';
import { stickyServer, stickyCookie, hashKey } from './affinity.js';
import { engine, type UpstreamRequest } from '../upstream/engines.js';
import { Attempt } from './attempt.js';
import type { IncomingMessage as NodeRequest, ServerResponse } from 'node:http';
import { createLogger } from '../../sdk/log/logger.js';
import type { Edge } from '../edge/edge.js';
import { ExchangeReply, withoutSurrogateHeaders } from './edge-reply.js';

const log = createLogger('gateway');

/** The X-Cache value in an edge's header list. */
function xCache(headers: readonly string[]): string | undefined {
  for (let i = headers.length - 2; i >= 0; i -= 2) if (headers[i] === 'x-cache') return headers[i + 1];
  return undefined;
}

/** HAProxy-like termination state: first char who/what ended it, second char at which phase. */
export type Termination = '--' | 'CR' | 'CQ' | 'CC' | 'CH' | 'CD' | 'SC' | 'SH' | 'SD' | 'sC' | 'sH' | 'sD' | 'sQ' | 'PR' | 'PQ' | 'PD' | 'RR';

export class Exchange {
  readonly start = performance.now();
  /** The request id: the client's x-request-id when sane, else a new one (set by run()). */
  id = '';
  /** The request headers for the servers, [name, value, …] (set by run()). */
  upstreamHeaders: string[] = [];
  readonly client: string;
  readonly connection: ClientConnection;
  backend!: BackendRuntime;
  attempt: Attempt | undefined;
  /** Servers tried so far, made at the first retry (the first attempt's server is `attempt.server`). */
  private tried: Set<string> | undefined;
  retries = 0;
  status = 0;
  termination: Termination = '--';
  queueMs = -1;
  connectMs = -1;
  headersMs = -1;
  done = false;
  private hasBody = false;
  /** Body bytes began to flow to a server: from then on the request cannot be sent again. */
  private bodyStarted = false;
  private cancelQueue: (() => void) | undefined;
  /** The server the client's sticky cookie names (sticky backends only). */
  private stickyTarget: string | undefined;
  /**
   * The end is seen on the response's own 'close' (http-proxy-3 ends the response itself, and a
   * pipelined request's connection already watches an earlier exchange); else the connection's
   * 'close' tells of a client gone, and the exchange closes itself when it ends the response.
   */
  private watchesResponse = false;
  /** The request goes out through http-proxy-3 (a node:http request on an http-proxy-3 backend). */
  private nodeObjects = false;
  /** The frontend's edge saw this request: its Cache-Status/X-Cache go on the response (a pass). */
  private edgeHeaders: string[] | undefined;
  /** An unsafe request through an edge: a success invalidates its URI (RFC 9111 §4.4). */
  private invalidates: Edge | undefined;
  /** The edge's X-Cache for this request (HIT, MISS, STALE, REVALIDATED, BYPASS), for the access log. */
  cache: string | undefined;

  constructor(readonly frontend: HttpFrontendRuntime, readonly req: FrontRequest, readonly res: FrontResponse) {
    this.connection = clientConnection(req.socket);
    this.client = this.connection.client;
  }

  run(): void {
    const { req, frontend } = this;
    frontend.stats.requests++;
    if (this.connection.closing) {
      // Read behind a refusal that closes the connection (pipelined): never served; it ends,
      // unanswered, when the connection closes after that refusal.
      this.termination = 'PR';
      this.watchResponse();
      return;
    }
    if (this.connection.active === undefined) this.connection.active = this;
    else this.watchResponse();
    const reason = rejectReason(req);
    if (reason) {
      this.id = requestIdFor(req.headers['x-request-id']);
      return this.fail(400, 'PR', reason, { connection: 'close' });
    }
    const backend = frontend.backend();
    // http-proxy-3 needs node:http's objects: a request on the native listener (possible only for a
    // moment after a reload switched the backend's engine) goes out on the native engine instead.
    const node = backend?.config.engine === 'http-proxy-3' && req instanceof IncomingMessage;
    this.nodeObjects = node;
    if (node) this.watchResponse();
    const head = upstreamRequestHead(req.rawHeaders, this.client, frontend.proto, isTrusted(frontend.trusted, this.client), node ? 'node' : 'reframed');
    this.id = head.id;
    this.upstreamHeaders = head.headers;
    if (frontend.rateLimiter) {
      const wait = frontend.rateLimiter.check(this.client);
      if (wait > 0) return this.fail(429, 'RR', 'rate limit', { 'retry-after': String(wait) });
    }
    if (!backend) return this.fail(503, 'PR', 'no backend');
    this.hasBody = requestHasBody(req.headers);
    if (this.hasBody) this.req.onBodyError?.((error) => this.onClientBodyError(error));
    if (node) req.headers = headerObject(head.headers); // http-proxy-3 builds its request from req.headers
    const edge = frontend.edge;
    if (edge && !node) {
      if ((req.method === 'GET' || req.method === 'HEAD') && !this.hasBody) {
        // The edge answers from its store or its shared origin fetch, through this exchange
        // (edge-reply.ts); the backend is this exchange's only when the edge passes it on.
        edge.handle({ method: req.method, url: req.url!, headers: req.headers, forward: head.headers }, new ExchangeReply(this)).catch((error: unknown) => this.fault(error));
        return;
      }
      this.invalidates = edge;
      this.edgeHeaders = edge.bypassed(this.hasBody && (req.method === 'GET' || req.method === 'HEAD') ? 'body' : 'method');
      this.cache = 'BYPASS';
    }
    this.useBackend(backend);
    this.acquire();
  }

  /** This request goes to `backend` (retry budget, sticky target). */
  private useBackend(backend: BackendRuntime): void {
    this.backend = backend;
    backend.retryBudget.deposit();
    if (backend.config.sticky) this.stickyTarget = stickyServer(this.req, backend.config.sticky.cookie);
  }

  /** The edge does not answer this request: the ordinary path, with its headers on the response. */
  edgePass(headers: string[]): void {
    if (this.done) return;
    this.edgeHeaders = headers;
    this.cache = xCache(headers);
    const backend = this.frontend.backend();
    if (!backend) return this.fail(503, 'PR', 'no backend');
    this.useBackend(backend);
    this.acquire();
  }

  /** The edge's answer head (from its store or its origin fetch). */
  edgeHead(status: number, headers: string[]): void {
    this.status = status;
    this.cache = xCache(headers);
    headers.push('x-request-id', this.id);
    if (this.frontend.draining) this.res.shouldKeepAlive = false;
    this.res.writeHead(status, undefined, headers);
  }

  /** The edge's origin fetch failed and nothing stale could stand in: 502/503/504 with its detail. */
  edgeFail(status: number, detail: string): void {
    if (this.done) return;
    this.fail(status, status === 504 ? 'sH' : 'SH', detail);
  }

  /** The edge's origin fetch broke mid-body: the client's connection closes. */
  edgeAbort(): void {
    this.termination = 'SD';
    this.res.destroy();
  }

  private acquire(): void {
    const backend = this.backend;
    const request = { exclude: this.tried, prefer: this.stickyTarget, key: backend.balance === 'hash' ? hashKey(this.req, this.client, backend.config.hash) : undefined };
    const slot = backend.take(request);
    if (slot) {
      if (this.queueMs < 0) this.queueMs = 0;
      this.send(slot);
      return;
    }
    // No server has room right now: wait in the backend's queue (or fail at once).
    const queuedAt = performance.now();
    let settled = false;
    const cancel = backend.wait((waited, failure) => {
      settled = true;
      this.cancelQueue = undefined;
      if (this.queueMs < 0) this.queueMs = performance.now() - queuedAt;
      if (waited && this.hasTried(waited.server.name)) {
        // A retry that waited in the queue was handed a server it already tried: never twice
        // on the same server. The slot goes back, to the next waiter.
        this.backend.end(waited, 'cancelled');
        this.failAfterAttempt();
      } else if (waited) this.send(waited);
      else this.noServer(failure!);
    });
    if (!settled) this.cancelQueue = cancel;
  }

  private hasTried(name: string): boolean {
    return this.tried ? this.tried.has(name) : this.attempt?.server.name === name;
  }

  private noServer(failure: AcquireFailure): void {
    if (failure === 'cancelled' || this.done) return;
    if (failure === 'queue-timeout') return this.fail(503, 'sQ', 'no server slot freed in time');
    if (failure === 'queue-full') return this.fail(503, 'PQ', 'queue full');
    if (this.attempt) return this.failAfterAttempt(); // retries exhausted the servers: keep the last error
    return this.fail(503, 'SC', 'no server available');
  }

  private lastFailure: { status: number; termination: Termination; detail: string } | undefined;

  private send(slot: Slot): void {
    if (this.done) {
      this.backend.end(slot, 'cancelled');
      return;
    }
    const server = slot.server;
    this.tried?.add(server.name);
    const attempt = new Attempt(this, server, slot.startedAt, this.retries > 0);
    this.attempt = attempt;
    let body: PassThrough | undefined;
    if (this.hasBody && !this.bodyStarted) {
      body = attempt.requestBody = new PassThrough();
      body.on('error', () => {}); // a body cut short ends the attempt through the engine, not here
    }
    const req = this.req;
    const config = this.backend.config;
    const request: UpstreamRequest = {
      server,
      method: req.method!,
      url: req.url!,
      headers: this.upstreamHeaders,
      hostMissing: req.headers.host === undefined,
      body,
      // node:http de-chunked the client's body: without a Content-Length it goes out chunked again
      chunked: body !== undefined && req.headers['content-length'] === undefined,
      timeouts: config.timeouts,
      node: this.nodeObjects ? { req: req as NodeRequest, res: this.res as unknown as ServerResponse, proxy: this.frontend.proxy } : undefined,
    };
    // http-proxy-3 needs node:http's objects; a native-listener request on such a backend goes native.
    const name = this.nodeObjects ? 'http-proxy-3' : config.engine === 'undici' ? 'undici' : 'native';
    const call = engine(name)(request, attempt);
    if (!attempt.ended) attempt.call = call;
  }

  /** The attempt's server is connected and the request is going out. */
  onConnected(attempt: Attempt): void {
    attempt.connectedAt = performance.now();
    this.startBody(attempt);
  }

  /** The server is connected: the client's body may flow now (until here a retry can still send it). */
  private startBody(attempt: Attempt): void {
    if (!attempt.requestBody || attempt.ended) return;
    this.bodyStarted = true;
    this.req.pipe(attempt.requestBody);
  }

  /**
   * The attempt's response head: retry on 502/503/504 (true = relay the body to the client,
   * false = the engine drops it), else the head goes to the client with the request id (and
   * sticky cookie) added. `headers` comes without hop-by-hop headers (the engine removed them).
   */
  onResponse(attempt: Attempt, status: number, statusMessage: string | undefined, headers: string[]): boolean {
    if (attempt !== this.attempt || attempt.ended) return false;
    const now = performance.now();
    this.connectMs = (attempt.connectedAt || now) - attempt.startedAt;
    this.headersMs = now - (attempt.connectedAt || attempt.startedAt);
    if (isRetryableStatus(status) && this.retryAllowed('status')) {
      this.lastFailure = { status, termination: 'SH', detail: `server answered ${status}` };
      this.endAttempt(attempt, 'server-error');
      this.retry();
      return false;
    }
    this.status = status;
    headers.push('x-request-id', this.id);
    if (this.frontend.edge) headers = this.edgeResponse(status, headers);
    const sticky = this.backend.config.sticky;
    if (sticky && this.stickyTarget !== attempt.server.name) headers.push('set-cookie', stickyCookie(sticky.cookie, attempt.server.name));
    const res = this.res;
    if (this.frontend.draining) res.shouldKeepAlive = false;
    try {
      res.writeHead(status, statusMessage, headers);
    } catch {
      this.endAttempt(attempt, 'server-error');
      this.fail(502, 'SH', 'invalid response header');
      return false;
    }
    return true;
  }

  /** A response through an edge-enabled frontend: surrogate headers dropped, the edge's added, unsafe success invalidates. */
  private edgeResponse(status: number, headers: string[]): string[] {
    const out = withoutSurrogateHeaders(headers);
    if (this.edgeHeaders) out.push(...this.edgeHeaders);
    if (this.invalidates) {
      let location: string | undefined;
      let contentLocation: string | undefined;
      for (let i = 0; i < out.length; i += 2) {
        const name = out[i].toLowerCase();
        if (name === 'location') location = out[i + 1];
        else if (name === 'content-location') contentLocation = out[i + 1];
      }
      const req = this.req;
      void this.invalidates.invalidate({ method: req.method!, url: req.url!, headers: req.headers }, status, location, contentLocation).catch(() => {});
    }
    return out;
  }

  /**
   * The client broke its body after the head was accepted (bad chunk framing, early end): the
   * attempt stops, and the client gets a 400 if nothing was answered yet (HAProxy's `PD`), else
   * its connection closes. The session closes the connection after this answer.
   */
  private onClientBodyError(error: NodeJS.ErrnoException): void {
    if (this.done) return;
    const attempt = this.attempt;
    if (attempt && !attempt.ended) {
      attempt.cancel();
      attempt.requestBody?.destroy();
      this.endAttempt(attempt, 'cancelled');
    }
    if (this.res.headersSent) {
      this.termination = 'PD';
      this.res.destroy();
      return;
    }
    this.fail(400, 'PD', `malformed request body (${error.code ?? error.message})`, { connection: 'close' });
  }

  /**
   * A fault on this request's path (a bug found by some input): logged with its stack, the
   * attempt ended, the client answered 500 with `Connection: close` (or its connection closed).
   */
  fault(error: unknown): void {
    log.error({ err: error, request_id: this.id || undefined }, `request failed inside the gateway: ${error instanceof Error ? error.message : String(error)}`);
    try {
      if (this.done) return;
      const attempt = this.attempt;
      if (attempt && !attempt.ended) {
        attempt.cancel();
        this.endAttempt(attempt, 'cancelled');
      }
      if (this.res.headersSent) {
        this.termination = 'PR';
        this.res.destroy();
        this.close(false);
        return;
      }
      this.res.shouldKeepAlive = false;
      this.fail(500, 'PR', 'internal error', { connection: 'close' });
    } catch {
      this.res.destroy();
    }
  }

  /** An attempt failed (connect error or timeout, reset, server timeout): retry or answer 502/504. */
  onAttemptError(attempt: Attempt, error: NodeJS.ErrnoException): void {
    if (attempt.ended || this.done) return;
    const responded = this.res.headersSent;
    const connected = attempt.connectedAt > 0 && !attempt.connectTimedOut;
    let failure: AttemptFailure;
    let outcome: Outcome;
    if (!connected) {
      failure = 'connect';
      outcome = 'connect-error';
      attempt.server.stats.errors.connect++;
    } else if (attempt.timedOut) {
      failure = 'timeout';
      outcome = 'timeout';
      attempt.server.stats.errors.timeout++;
    } else {
      failure = 'reset';
      outcome = 'reset';
      attempt.server.stats.errors.response++;
    }
    this.endAttempt(attempt, outcome);
    if (responded) {
      this.termination = failure === 'timeout' ? 'sD' : 'SD';
      this.res.destroy();
      return;
    }
    this.lastFailure = failure === 'timeout'
      ? { status: 504, termination: 'sH', detail: 'server timeout' }
      : failure === 'connect'
        ? { status: 502, termination: attempt.connectTimedOut ? 'sC' : 'SC', detail: `cannot connect to server (${attempt.connectTimedOut ? 'timeout' : (error.code ?? error.message)})` }
        : { status: 502, termination: 'SH', detail: `server closed the connection (${error.code ?? error.message})` };
    if (this.retryAllowed(failure)) this.retry();
    else this.failAfterAttempt();
  }

  private retryAllowed(failure: AttemptFailure): boolean {
    const backend = this.backend;
    if (!mayRetry({ method: this.req.method, hasBody: this.bodyStarted, failure, retries: this.retries, maxRetries: backend.config.retries.attempts })) return false;
    if ((this.tried?.size ?? 1) >= backend.servers.size) return false;
    return backend.retryBudget.tryAcquire();
  }

  private retry(): void {
    this.tried ??= new Set([this.attempt!.server.name]);
    this.retries++;
    this.backend.stats.retries++;
    this.attempt!.server.stats.retries++;
    this.acquire();
  }

  private failAfterAttempt(): void {
    const f = this.lastFailure ?? { status: 502, termination: 'SC' as Termination, detail: 'no server answered' };
    this.fail(f.status, f.termination, f.detail);
  }

  private endAttempt(attempt: Attempt, outcome: Outcome): void {
    if (attempt.ended) return;
    attempt.ended = true;
    if (attempt.retry) this.backend.retryBudget.release();
    this.backend.end(attempt, outcome);
  }

  private fail(status: number, termination: Termination, detail: string, extra?: Record<string, string>): void {
    this.status = status;
    this.termination = termination;
    if (extra?.connection === 'close') this.connection.closing = true;
    if (this.frontend.draining) this.res.shouldKeepAlive = false;
    sendError(this.res, status, this.id, detail, extra);
    this.responseEnded();
  }

  /** The response went to the client whole: the exchange is over (unless its response's own 'close' tells). */
  responseEnded(): void {
    if (!this.watchesResponse && this.res.writableEnded) this.close(true);
  }

  /** The client connection closed under the exchange, or (when watched) the response closed. */
  onClientClose(): void {
    this.close(this.res.writableFinished);
  }

  private watchResponse(): void {
    if (this.watchesResponse) return;
    this.watchesResponse = true;
    if (this.connection.active === this) this.connection.active = undefined;
    this.res.once('close', () => this.onClientClose());
  }

  /** Account and log once: `finished` = the whole response went to the client. */
  private close(finished: boolean): void {
    if (this.done) return;
    this.done = true;
    if (this.connection.active === this) this.connection.active = undefined;
    if (this.cancelQueue) {
      this.cancelQueue();
      this.termination = 'CQ';
    }
    const attempt = this.attempt;
    if (attempt && !attempt.ended) {
      if (!finished) {
        this.termination = this.res.headersSent ? 'CD' : 'CH';
        attempt.cancel();
      }
      this.endAttempt(attempt, finished ? (this.status >= 500 ? 'server-error' : 'success') : 'cancelled');
    }
    if (!finished && this.termination === '--') this.termination = 'CR';
    this.frontend.record(this, finished);
  }
}
