// Pure decisions of the scheduler, after an instance has won a tick: is it still in time, and
// what does the concurrency policy say given whether the previous run is still going.
import type { ConcurrencyPolicy } from './define.js';

export type TickDecision = 'run' | 'skip-deadline' | 'skip-overlap' | 'replace';

export interface TickFacts {
  fireTime: number;
  now: number;
  startingDeadlineMs?: number;
  policy: ConcurrencyPolicy;
  /** The previous tick's run (inline) or job (queued/active) is still going. */
  previousRunning: boolean;
}

export function decideTick(facts: TickFacts): TickDecision {
  if (facts.startingDeadlineMs !== undefined && facts.now - facts.fireTime > facts.startingDeadlineMs) return 'skip-deadline';
  if (!facts.previousRunning || facts.policy === 'allow') return 'run';
  return facts.policy === 'forbid' ? 'skip-overlap' : 'replace';
}

/** The idempotency key of the job a tick enqueues: a second enqueue of one tick is a no-op. */
export function tickJobKey(schedule: string, fireTime: Date): string {
  return `cron:${schedule}:${fireTime.toISOString()}`;
}
