// The request loop of the smart client: send an attempt, and while waiting, maybe hedge; when an
// attempt fails, maybe retry on another host. Rules:
// - a connect failure never reached the server: any method may be retried;
// - resets, timeouts and 502/503/504 are retried only for idempotent requests;
// - a retry needs the retry budget and goes to a host not tried yet for this request;
// - an idempotent request still waiting after the hedge delay gets one hedge, if the hedge
//   budget allows; the first acceptable answer wins and the other attempt is cancelled;
// - everything stops at the deadline.
// One RequestRun per request; events (attempt done, hedge timer, deadline, caller abort) go
// through one queue. Methods rather than per-request closures keep the hot path cheap.
import type { Dispatcher } from 'undici';
import type { ServerPool, PoolServer } from '../balance/server-pool.js';
import { DeadlineExceededError, NoHostAvailableError, UpstreamError } from '../errors.js';
import type { HedgePolicy } from '../hedge.js';
import type { Clock } from '../random.js';
import type { RetryBudget } from '../retry-budget.js';
import { sendAttempt, type AttemptRequest, type AttemptResult } from './attempt.js';
import type { ClientMetrics } from './metrics.js';
import { HttpResponse } from './response.js';

export interface DispatchContext {
  pool: ServerPool;
  dispatcherFor(server: PoolServer): Dispatcher;
  budget?: RetryBudget;
  hedge?: HedgePolicy;
  maxAttempts: number;
  deadlineHeader?: string;
  metrics: ClientMetrics;
  clock: Clock;
}

export interface DispatchInput {
  request: AttemptRequest;
  idempotent: boolean;
  key?: string;
  signal?: AbortSignal;
  timeout: number;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

export function isRetryable(result: AttemptResult, idempotent: boolean): boolean {
  if (result.kind === 'error') return result.outcome === 'connect-error' || (idempotent && result.outcome !== 'cancelled');
  return idempotent && RETRYABLE_STATUS.has(result.data.statusCode);
}

type Wake = { type: 'attempt'; attempt: Attempt; result: AttemptResult } | { type: 'hedge' } | { type: 'deadline' } | { type: 'abort' };
const HEDGE: Wake = { type: 'hedge' };
const DEADLINE: Wake = { type: 'deadline' };
const ABORT: Wake = { type: 'abort' };

interface Attempt {
  controller: AbortController;
  hedge: boolean;
  retry: boolean;
  done: boolean;
  result?: AttemptResult;
}

function discard(result: AttemptResult): void {
  if (result.kind === 'response') result.data.body.dump().catch(() => {});
}

function wakeUp(run: RequestRun, wake: Wake): void {
  run.push(wake);
}

class RequestRun {
  private readonly queue: Wake[] = [];
  private waiting: ((wake: Wake) => void) | undefined;
  private readonly tried = new Set<string>();
  private readonly running = new Set<Attempt>();
  private readonly deadline: number;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private hedgeTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private hedged = false;
  private lastFailure: AttemptResult | undefined;
  private leftOver: 'cancelled' | 'timeout' = 'cancelled';

  constructor(private readonly ctx: DispatchContext, private readonly input: DispatchInput) {
    this.deadline = ctx.clock() + input.timeout;
  }

  push(wake: Wake): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting(wake);
    } else {
      this.queue.push(wake);
    }
  }

  /** EventListener object for the caller's AbortSignal. */
  handleEvent(): void {
    this.push(ABORT);
  }

  private next(): Promise<Wake> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise<Wake>((resolve) => { this.waiting = resolve; });
  }

  private launch(kind: 'first' | 'hedge' | 'retry'): boolean {
    const { ctx, input } = this;
    const server = ctx.pool.pick({ key: input.key, exclude: this.tried });
    if (!server) return false;
    this.tried.add(server.id);
    this.attempts++;
    const attempt: Attempt = { controller: new AbortController(), hedge: kind === 'hedge', retry: kind === 'retry', done: false };
    const remaining = Math.max(1, this.deadline - ctx.clock());
    const request = ctx.deadlineHeader
      ? { ...input.request, headers: { ...input.request.headers, [ctx.deadlineHeader]: String(Math.floor(remaining)) } }
      : input.request;
    const startedAt = ctx.pool.begin(server);
    this.running.add(attempt);
    void sendAttempt(ctx.dispatcherFor(server), server, startedAt, request, attempt.controller.signal, remaining).then((result) => {
      attempt.done = true;
      attempt.result = result;
      if (this.running.has(attempt)) this.push({ type: 'attempt', attempt, result });
      else this.settleLoser(attempt, result);
    });
    return true;
  }

  private settle(attempt: Attempt, result: AttemptResult): void {
    const { ctx } = this;
    const elapsed = ctx.clock() - result.startedAt;
    ctx.pool.end(result.server, result.startedAt, result.outcome);
    ctx.metrics.attempt(result.server.id, elapsed, result.outcome);
    if (attempt.retry) ctx.budget?.release();
    if (result.kind === 'response' && result.outcome === 'success') ctx.hedge?.record(elapsed);
  }

  /** An attempt that lost (hedge race, deadline, caller abort): charged as cancelled (or timeout). */
  private settleLoser(attempt: Attempt, result: AttemptResult): void {
    this.settle(attempt, { ...result, outcome: this.leftOver });
    discard(result);
  }

  async run(): Promise<HttpResponse> {
    const { ctx, input } = this;
    if (input.signal?.aborted) throw input.signal.reason;
    ctx.budget?.deposit();
    const hedging = input.idempotent && ctx.hedge !== undefined; // one hedge at most, apart from retries
    if (hedging) ctx.hedge!.onRequest();
    if (!this.launch('first')) {
      throw new NoHostAvailableError(ctx.pool.servers.length === 0 ? 'no hosts discovered yet' : 'no healthy host available');
    }
    input.signal?.addEventListener('abort', this, { once: true });
    this.deadlineTimer = setTimeout(wakeUp, input.timeout, this, DEADLINE);
    const hedgeDelay = hedging ? ctx.hedge!.delay() : undefined;
    if (hedgeDelay !== undefined && hedgeDelay < input.timeout) this.hedgeTimer = setTimeout(wakeUp, hedgeDelay, this, HEDGE);
    try {
      return await this.loop();
    } finally {
      clearTimeout(this.deadlineTimer);
      clearTimeout(this.hedgeTimer);
      input.signal?.removeEventListener('abort', this);
      if (this.lastFailure) discard(this.lastFailure);
      for (const attempt of this.running) {
        attempt.controller.abort();
        if (attempt.done) this.settleLoser(attempt, attempt.result!); // finished but not yet taken from the queue
      }
      this.running.clear();
    }
  }

  private async loop(): Promise<HttpResponse> {
    const { ctx, input } = this;
    for (;;) {
      const wake = await this.next();
      if (wake.type === 'deadline') {
        this.leftOver = 'timeout'; // a host that never answers must count against it
        throw new DeadlineExceededError(input.timeout);
      }
      if (wake.type === 'abort') throw input.signal!.reason;
      if (wake.type === 'hedge') {
        if (ctx.hedge!.tryHedge() && this.launch('hedge')) {
          this.hedged = true;
          ctx.metrics.hedge();
        }
        continue;
      }
      const { attempt, result } = wake;
      if (!this.running.delete(attempt)) continue;
      this.settle(attempt, result);
      if (!isRetryable(result, input.idempotent)) {
        if (result.kind === 'error') throw new UpstreamError(result.server.id, this.attempts, { cause: result.error });
        if (attempt.hedge) ctx.metrics.hedgeWin();
        return new HttpResponse(result.data, { host: result.server.id, attempts: this.attempts, hedged: attempt.hedge });
      }
      if (this.lastFailure) discard(this.lastFailure);
      this.lastFailure = result; // kept (unread) in case it becomes the answer
      if (this.running.size > 0) continue; // the hedge still in flight is the retry
      if (this.attempts - (this.hedged ? 1 : 0) < ctx.maxAttempts && this.deadline - ctx.clock() > 0) {
        if (!ctx.budget || ctx.budget.tryAcquire()) {
          if (this.launch('retry')) {
            ctx.metrics.retry(result.server.id);
            continue;
          }
          ctx.budget?.release();
        } else {
          ctx.metrics.budgetExhausted();
        }
      }
      this.lastFailure = undefined;
      if (result.kind === 'response') return new HttpResponse(result.data, { host: result.server.id, attempts: this.attempts, hedged: attempt.hedge });
      throw new UpstreamError(result.server.id, this.attempts, { cause: result.error });
    }
  }
}

export function dispatch(ctx: DispatchContext, input: DispatchInput): Promise<HttpResponse> {
  return new RequestRun(ctx, input).run();
}
