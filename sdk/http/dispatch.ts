// The request loop of the smart client: send an attempt, and while waiting, maybe hedge; when an
// attempt fails, maybe retry on another host. Rules:
// - a connect failure never reached the server: any method may be retried;
// - resets and 502/503/504 are retried only for idempotent requests;
// - a retry needs the retry budget and goes to a host not tried yet for this request;
// - an idempotent request still waiting after the hedge delay gets one hedge, if the hedge
//   budget allows; the first acceptable answer wins and the other attempt is cancelled;
// - everything stops at the deadline.
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

type Wake = { type: 'attempt'; id: number; result: AttemptResult } | { type: 'hedge' } | { type: 'deadline' } | { type: 'abort' };

interface Running {
  controller: AbortController;
  promise: Promise<Wake>;
  hedge: boolean;
  retry: boolean;
}

function discard(result: AttemptResult): void {
  if (result.kind === 'response') result.data.body.dump().catch(() => {});
}

export async function dispatch(ctx: DispatchContext, input: DispatchInput): Promise<HttpResponse> {
  const start = ctx.clock();
  const deadline = start + input.timeout;
  const overall = new AbortController();
  const tried = new Set<string>();
  const running = new Map<number, Running>();
  const timers: NodeJS.Timeout[] = [];
  let attempts = 0;
  let userAbort: ((wake: Wake) => void) | undefined;
  const onAbort = () => userAbort?.({ type: 'abort' });
  if (input.signal?.aborted) throw input.signal.reason;
  input.signal?.addEventListener('abort', onAbort, { once: true });

  const launch = (kind: 'first' | 'hedge' | 'retry'): boolean => {
    const server = ctx.pool.pick({ key: input.key, exclude: tried });
    if (!server) return false;
    tried.add(server.id);
    const id = ++attempts;
    const controller = new AbortController();
    const remaining = Math.max(1, deadline - ctx.clock());
    const headers = ctx.deadlineHeader ? { ...input.request.headers, [ctx.deadlineHeader]: String(Math.floor(remaining)) } : input.request.headers;
    const startedAt = ctx.pool.begin(server);
    const signal = AbortSignal.any([overall.signal, controller.signal]);
    const promise = sendAttempt(ctx.dispatcherFor(server), server, startedAt, { ...input.request, headers }, signal, remaining)
      .then((result): Wake => ({ type: 'attempt', id, result }));
    running.set(id, { controller, promise, hedge: kind === 'hedge', retry: kind === 'retry' });
    return true;
  };

  const settle = (run: Running, result: AttemptResult): void => {
    const elapsed = ctx.clock() - result.startedAt;
    ctx.pool.end(result.server, result.startedAt, result.outcome);
    ctx.metrics.attempt(result.server.id, elapsed, result.outcome);
    if (run.retry) ctx.budget?.release();
    if (result.kind === 'response' && result.outcome === 'success') ctx.hedge?.record(elapsed);
  };

  ctx.budget?.deposit();
  const hedging = input.idempotent && ctx.hedge !== undefined; // one hedge at most, apart from retries
  if (hedging) ctx.hedge!.onRequest();
  if (!launch('first')) {
    input.signal?.removeEventListener('abort', onAbort);
    throw new NoHostAvailableError(ctx.pool.servers.length === 0 ? 'no hosts discovered yet' : 'no healthy host available');
  }

  const wakeAfter = (ms: number, wake: Wake) =>
    new Promise<Wake>((resolve) => timers.push(setTimeout(() => resolve(wake), ms)));
  const deadlineWake = wakeAfter(input.timeout, { type: 'deadline' });
  const abortWake = new Promise<Wake>((resolve) => { userAbort = resolve; });
  const hedgeDelay = hedging ? ctx.hedge!.delay() : undefined;
  let hedgeWake = hedgeDelay !== undefined && hedgeDelay < input.timeout ? wakeAfter(hedgeDelay, { type: 'hedge' }) : undefined;
  let lastFailure: AttemptResult | undefined;
  let leftOver: 'cancelled' | 'timeout' = 'cancelled';
  let hedged = false;

  try {
    for (;;) {
      const waits = [deadlineWake, abortWake, ...[...running.values()].map((r) => r.promise)];
      if (hedgeWake) waits.push(hedgeWake);
      const wake = await Promise.race(waits);
      if (wake.type === 'deadline') {
        leftOver = 'timeout'; // a host that never answers must count against it
        throw new DeadlineExceededError(input.timeout);
      }
      if (wake.type === 'abort') throw input.signal!.reason;
      if (wake.type === 'hedge') {
        hedgeWake = undefined;
        if (ctx.hedge!.tryHedge() && launch('hedge')) {
          hedged = true;
          ctx.metrics.hedge();
        }
        continue;
      }
      const run = running.get(wake.id)!;
      running.delete(wake.id);
      const result = wake.result;
      settle(run, result);
      if (!isRetryable(result, input.idempotent)) {
        if (result.kind === 'error') throw new UpstreamError(result.server.id, attempts, { cause: result.error });
        if (run.hedge) ctx.metrics.hedgeWin();
        return new HttpResponse(result.data, { host: result.server.id, attempts, hedged: run.hedge });
      }
      if (lastFailure) discard(lastFailure);
      lastFailure = result; // kept (unread) in case it becomes the answer
      if (running.size > 0) continue; // the hedge still in flight is the retry
      if (attempts - (hedged ? 1 : 0) < ctx.maxAttempts && deadline - ctx.clock() > 0) {
        if (!ctx.budget || ctx.budget.tryAcquire()) {
          if (launch('retry')) {
            ctx.metrics.retry(result.server.id);
            continue;
          }
          ctx.budget?.release();
        } else {
          ctx.metrics.budgetExhausted();
        }
      }
      lastFailure = undefined;
      if (result.kind === 'response') return new HttpResponse(result.data, { host: result.server.id, attempts, hedged: run.hedge });
      throw new UpstreamError(result.server.id, attempts, { cause: result.error });
    }
  } finally {
    for (const t of timers) clearTimeout(t);
    input.signal?.removeEventListener('abort', onAbort);
    if (lastFailure) discard(lastFailure);
    for (const run of running.values()) {
      run.controller.abort();
      void run.promise.then((wake) => {
        if (wake.type !== 'attempt') return;
        settle(run, { ...wake.result, outcome: leftOver });
        discard(wake.result);
      });
    }
    running.clear();
  }
}
