// The request loop of the smart client: send an attempt, and while waiting, maybe hedge; when an
// attempt fails, maybe retry on another host. Rules:
// - a connect failure never reached the server: any method may be retried;
// - resets and 502/503/504 are retried only for idempotent requests, timeouts never
//   (semantics.ts retryableFailure: the one rule, shared with the gateway);
// - a retry needs the retry budget and goes to a host not tried yet for this request;
// - an idempotent request still waiting after the hedge delay gets one hedge, if the hedge
//   budget allows, on a host this request has not used; the first acceptable answer wins and
//   the other attempt is cancelled;
// - everything stops at the deadline.
// One RequestRun per request: a small state machine whose events (attempt done, hedge timer,
// deadline, caller abort) arrive as method calls and settle one promise. No per-request queue,
// closures or promise chain: the hot path allocates the run, the attempt and the response.
import type { Dispatcher } from 'undici';
import type { ServerPool, PoolServer } from '../balance/server-pool.js';
import { DeadlineExceededError, NoHostAvailableError, UpstreamError } from '../errors.js';
import type { HedgePolicy } from '../hedge.js';
import type { Clock } from '../random.js';
import type { RetryBudget } from '../retry-budget.js';
import { Attempt, type AttemptOwner, type AttemptRequest, type AttemptResult } from './attempt.js';
import type { DeadlineEntry, DeadlineQueue } from './deadlines.js';
import type { ClientMetrics } from './metrics.js';
import { HttpResponse } from './response.js';
import { isRetryableStatus, retryableFailure } from './semantics.js';

export interface DispatchContext {
  pool: ServerPool;
  dispatcherFor(server: PoolServer): Dispatcher;
  budget?: RetryBudget;
  hedge?: HedgePolicy;
  maxAttempts: number;
  deadlineHeader?: string;
  metrics: ClientMetrics;
  clock: Clock;
  /** Shared deadline timer of the client (else one timer per request). */
  deadlines?: DeadlineQueue;
}

export interface DispatchInput {
  request: AttemptRequest;
  idempotent: boolean;
  key?: string;
  signal?: AbortSignal;
  timeout: number;
  /** Header for the remaining budget on this request (else the context's, if any). */
  deadlineHeader?: string;
}

export function isRetryable(result: AttemptResult, idempotent: boolean): boolean {
  if (result.kind !== 'error') return isRetryableStatus(result.data.statusCode) && retryableFailure('status', idempotent);
  switch (result.outcome) {
    case 'connect-error': return retryableFailure('connect', idempotent);
    case 'timeout': return retryableFailure('timeout', idempotent);
    case 'cancelled': return false;
    default: return retryableFailure('reset', idempotent);
  }
}

/**
 * The request's headers plus the remaining time budget, as the flat [name, value, ...] list
 * undici takes as is (no object copy with a computed key, no Object.keys inside undici).
 */
export function withDeadline(headers: Record<string, string>, name: string, remainingMs: number): string[] {
  const flat: string[] = [];
  for (const key in headers) if (key !== name) flat.push(key, headers[key]);
  flat.push(name, String(Math.floor(remainingMs)));
  return flat;
}

function discard(result: AttemptResult): void {
  if (result.kind === 'response') result.data.body.dump().catch(() => {});
}

function onDeadline(run: RequestRun): void {
  run.deadlineReached();
}
function onHedgeDelay(run: RequestRun): void {
  run.hedgeDelayPassed();
}
function onHedgeCheck(run: RequestRun): void {
  run.hedgeDelayPassed(true);
}

class RequestRun implements AttemptOwner, DeadlineEntry {
  dlPrev: DeadlineEntry | undefined = undefined;
  dlNext: DeadlineEntry | undefined = undefined;
  dlQueued = false;
  private resolve!: (res: HttpResponse) => void;
  private reject!: (error: unknown) => void;
  private finished = false;
  private first: Attempt | undefined;
  /** Attempts in flight besides `first` (hedge, retries); rarely more than one. */
  private others: Attempt[] | undefined;
  private tried: Set<string> | undefined;
  /** Set by the first launch, from its start time (one clock read for both). */
  private deadline = Infinity;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private hedgeTimer: NodeJS.Timeout | undefined;
  /** Wait from the first hedge delay to the late one, for a request refused at the first. */
  private lateWait: number | undefined;
  private hedgeLate = false;
  private hedgeDelay = 0;
  private startedAt = 0;
  private won = false;
  private attempts = 0;
  private hedged = false;
  private lastFailure: AttemptResult | undefined;
  private leftOver: 'cancelled' | 'timeout' = 'cancelled';

  /** Attempts can race (hedging) or be cut by the caller: give undici an abort handle. */
  private readonly abortable: boolean;

  constructor(private readonly ctx: DispatchContext, private readonly input: DispatchInput) {
    this.abortable = input.signal !== undefined || (input.idempotent && ctx.hedge !== undefined);
  }

  start(): Promise<HttpResponse> {
    const { ctx, input } = this;
    if (input.signal?.aborted) return Promise.reject(input.signal.reason);
    ctx.budget?.deposit();
    const hedging = input.idempotent && ctx.hedge !== undefined; // one hedge at most, apart from retries
    if (hedging) ctx.hedge!.onRequest();
    const promise = new Promise<HttpResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (!this.launch(false, false)) {
      return Promise.reject(new NoHostAvailableError(ctx.pool.servers.length === 0 ? 'no hosts discovered yet' : 'no healthy host available'));
    }
    input.signal?.addEventListener('abort', this, { once: true });
    if (!ctx.deadlines?.add(this, this.startedAt)) this.deadlineTimer = setTimeout(onDeadline, input.timeout, this);
    if (hedging) {
      const delay = ctx.hedge!.delay();
      if (delay !== undefined && delay < input.timeout) {
        this.hedgeTimer = setTimeout(onHedgeDelay, delay, this);
        this.hedgeDelay = delay;
        const late = ctx.hedge!.lateDelay();
        if (late !== undefined && late < input.timeout && ctx.hedge!.reserve > 0) this.lateWait = Math.max(0, late - delay);
      }
    }
    return promise;
  }

  /** EventListener object for the caller's AbortSignal. */
  handleEvent(): void {
    if (!this.finished) this.fail(this.input.signal!.reason);
  }

  get deadlineAt(): number {
    return this.deadline;
  }

  deadlineReached(): void {
    if (this.finished) return;
    this.leftOver = 'timeout'; // a host that never answers must count against it
    this.fail(new DeadlineExceededError(this.input.timeout));
  }

  /**
   * The hedge delay passed: hedge if the budget allows, else (first delay) wait for the late one.
   * `polled`: called from setImmediate, after the event loop's poll phase (see below).
   */
  hedgeDelayPassed(polled = false): void {
    this.hedgeTimer = undefined;
    if (this.finished) return;
    const { ctx } = this;
    const hedge = ctx.hedge!;
    // Node timers count from the event loop's cached time, so a 2 ms timer may fire after 1.2 ms:
    // a hedge before the delay would be one the percentile did not ask for.
    const early = this.startedAt + (this.hedgeLate ? this.hedgeDelay + this.lateWait! : this.hedgeDelay) - ctx.clock();
    if (early > 0.05) {
      this.hedgeTimer = setTimeout(onHedgeDelay, early, this);
      return;
    }
    // Timers run before the poll phase reads the sockets: after a stall of the event loop (GC, a
    // busy machine) every request in flight is past its delay while its answer is already waiting
    // in the socket. Deciding after one poll (setImmediate) lets those answers land first, so the
    // hedge budget is not spent on them (measured: such bursts throttled the hedges of requests
    // stuck on the slow host).
    if (!polled) {
      setImmediate(onHedgeCheck, this);
      return;
    }
    const late = this.hedgeLate;
    if (hedge.tryHedge(late)) {
      if (this.launch(true, false)) {
        this.hedged = true;
        ctx.metrics.hedge();
      } else {
        hedge.refund(late); // no other host to hedge on
      }
      return;
    }
    if (!late && this.lateWait !== undefined) {
      this.hedgeLate = true;
      this.hedgeTimer = setTimeout(onHedgeDelay, this.lateWait, this);
    }
  }

  private launch(hedge: boolean, retry: boolean): boolean {
    const { ctx, input } = this;
    let server: PoolServer | undefined;
    const now = ctx.clock(); // one reading for the pick and the start
    if (this.first === undefined && this.tried === undefined) {
      server = ctx.pool.pick(input.key === undefined ? undefined : { key: input.key }, now);
    } else if (hedge) {
      server = ctx.pool.pickFastest(this.triedSet()); // a late request: where an answer comes soonest
    } else {
      server = ctx.pool.pick({ key: input.key, exclude: this.triedSet() }, now);
    }
    if (!server) return false;
    this.tried?.add(server.id);
    const startedAt = ctx.pool.begin(server, now);
    if (this.attempts++ === 0) {
      this.startedAt = startedAt;
      this.deadline = startedAt + input.timeout;
    }
    const remaining = Math.max(1, this.deadline - startedAt);
    const request = input.request;
    const deadlineHeader = input.deadlineHeader ?? ctx.deadlineHeader;
    const headers = deadlineHeader ? withDeadline(request.headers, deadlineHeader, remaining) : request.headers;
    const attempt = new Attempt(this, server, startedAt, hedge, retry);
    if (this.first === undefined && this.tried === undefined) this.first = attempt;
    else (this.others ??= []).push(attempt);
    attempt.send(ctx.dispatcherFor(server), request, headers, remaining, this.abortable);
    return true;
  }

  private triedSet(): Set<string> {
    if (!this.tried) {
      this.tried = new Set();
      if (this.first) this.tried.add(this.first.server.id);
    }
    return this.tried;
  }

  /** Takes `attempt` out of the running set; false when it was not running. */
  private take(attempt: Attempt): boolean {
    if (this.first === attempt) {
      this.first = undefined;
      if (!this.tried) this.tried = new Set([attempt.server.id]); // later picks still avoid it
      return true;
    }
    const i = this.others?.indexOf(attempt) ?? -1;
    if (i < 0) return false;
    this.others!.splice(i, 1);
    return true;
  }

  private get running(): number {
    return (this.first ? 1 : 0) + (this.others?.length ?? 0);
  }

  attemptDone(attempt: Attempt): void {
    const result = attempt.result!;
    if (this.finished || !this.take(attempt)) {
      this.settleLoser(attempt, result);
      return;
    }
    const { ctx, input } = this;
    this.settle(attempt, result);
    if (!isRetryable(result, input.idempotent)) {
      if (result.kind === 'error') return this.fail(new UpstreamError(result.server.id, this.attempts, { cause: result.error }));
      if (attempt.hedge) ctx.metrics.hedgeWin();
      return this.succeed(new HttpResponse(result.data, { host: result.server.id, attempts: this.attempts, hedged: attempt.hedge }));
    }
    if (this.lastFailure) discard(this.lastFailure);
    this.lastFailure = result; // kept (unread) in case it becomes the answer
    if (this.running > 0) return; // the hedge still in flight is the retry
    if (this.attempts - (this.hedged ? 1 : 0) < ctx.maxAttempts && this.deadline - ctx.clock() > 0) {
      if (!ctx.budget || ctx.budget.tryAcquire()) {
        if (this.launch(false, true)) {
          ctx.metrics.retry(result.server.id);
          return;
        }
        ctx.budget?.release();
      } else {
        ctx.metrics.budgetExhausted();
      }
    }
    this.lastFailure = undefined;
    if (result.kind === 'response') return this.succeed(new HttpResponse(result.data, { host: result.server.id, attempts: this.attempts, hedged: attempt.hedge }));
    this.fail(new UpstreamError(result.server.id, this.attempts, { cause: result.error }));
  }

  private settle(attempt: Attempt, result: AttemptResult): void {
    const { ctx } = this;
    const now = ctx.clock();
    const elapsed = now - result.startedAt;
    ctx.pool.end(result.server, result.startedAt, result.outcome, now);
    ctx.metrics.attempt(result.server.id, elapsed, result.outcome);
    if (attempt.retry) ctx.budget?.release();
    // The hedge delay is a percentile of attempts that are not hedges (see HedgePolicy.record).
    if (ctx.hedge && !attempt.hedge && result.kind === 'response' && result.outcome === 'success') ctx.hedge.record(elapsed);
  }

  /**
   * An attempt that lost (hedge race, deadline, caller abort): charged as cancelled (or timeout)
   * when it was cut, with its own outcome when it had answered already.
   */
  private settleLoser(attempt: Attempt, result: AttemptResult): void {
    const cut = attempt.aborted;
    this.settle(attempt, cut ? { ...result, outcome: this.leftOver } : result); // settle() records an answer's latency
    // A first attempt beaten by its hedge and cut took at least this long: a lower bound above the delay.
    if (cut && this.won && this.ctx.hedge && !attempt.hedge) this.ctx.hedge.record(this.ctx.clock() - result.startedAt);
    discard(result);
  }

  private succeed(res: HttpResponse): void {
    this.won = true;
    this.cleanUp();
    this.resolve(res);
  }

  private fail(error: unknown): void {
    this.cleanUp();
    this.reject(error);
  }

  /** Stop timers and listeners, cancel the attempts still running (they settle as losers). */
  private cleanUp(): void {
    this.finished = true;
    if (this.dlQueued) this.ctx.deadlines!.remove(this);
    else clearTimeout(this.deadlineTimer);
    if (this.hedgeTimer) clearTimeout(this.hedgeTimer);
    this.input.signal?.removeEventListener('abort', this);
    if (this.lastFailure) discard(this.lastFailure);
    this.lastFailure = undefined;
    const first = this.first;
    this.first = undefined;
    const others = this.others;
    this.others = undefined;
    if (first) first.abort();
    if (others) for (const attempt of others) attempt.abort();
  }
}

export function dispatch(ctx: DispatchContext, input: DispatchInput): Promise<HttpResponse> {
  return new RequestRun(ctx, input).start();
}
