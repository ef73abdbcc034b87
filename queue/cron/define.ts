// Schedule definitions: a name (the coordination key shared by every instance), a cron pattern
// (node-cron 4 syntax, seconds optional), and what a tick does. By default a tick enqueues a
// durable job (`job`), so the work survives the scheduler process; `run` works inline instead.
import cron from 'node-cron';
import { parseDuration } from '../../sdk/config/units.js';
import { ScheduleError } from '../errors.js';
import type { JobDefinition } from '../job/define.js';

const SCHEDULE = Symbol.for('tiered.queue.schedule');

/** What to do when a tick fires while the previous tick's run is still going. */
export type ConcurrencyPolicy = 'allow' | 'forbid' | 'replace';

export interface Tick {
  schedule: string;
  /** The scheduled fire time (not the moment the handler started). */
  fireTime: Date;
  /** Aborted when a later tick replaces this run (`concurrency: 'replace'`) or the scheduler stops. */
  signal: AbortSignal;
}

export interface ScheduleOptions {
  name: string;
  pattern: string;
  timezone?: string;
  /** Default 'forbid', like a Kubernetes CronJob that must not pile up. */
  concurrency?: ConcurrencyPolicy;
  /** A tick that cannot start within this long after its fire time is skipped (default: the period's worth, at least 1 s). */
  startingDeadline?: string | number;
  /** How long an inline run holds its claim; must exceed the longest run (default 60 s). */
  lease?: string | number;
  /** Enqueue this job on each tick (the default way). */
  job?: JobDefinition;
  /** The job's payload for a tick (default `{}`). */
  payload?: (tick: Tick) => unknown;
  /** Work inline instead of enqueueing (runs on the one instance that claimed the tick). */
  run?: (tick: Tick) => unknown;
}

export interface ScheduleDefinition {
  readonly [SCHEDULE]: true;
  readonly name: string;
  readonly pattern: string;
  readonly timezone?: string;
  readonly concurrency: ConcurrencyPolicy;
  readonly startingDeadlineMs?: number;
  readonly leaseMs: number;
  readonly job?: JobDefinition;
  readonly payload: (tick: Tick) => unknown;
  readonly run?: (tick: Tick) => unknown;
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function defineSchedule(options: ScheduleOptions): ScheduleDefinition {
  const { name, pattern } = options;
  if (!NAME.test(name)) throw new ScheduleError(`schedule name ${JSON.stringify(name)}: expected 1-100 letters, digits, _ . or -`);
  const validation = cron.validateDetailed(pattern);
  if (!validation.valid) {
    throw new ScheduleError(`schedule "${name}": invalid cron pattern ${JSON.stringify(pattern)}: ${validation.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  }
  if (options.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: options.timezone });
    } catch {
      throw new ScheduleError(`schedule "${name}": unknown timezone ${JSON.stringify(options.timezone)}`);
    }
  }
  if (!options.job === !options.run) throw new ScheduleError(`schedule "${name}": give exactly one of job (enqueue a durable job, the default way) or run (inline)`);
  const concurrency = options.concurrency ?? 'forbid';
  if (!['allow', 'forbid', 'replace'].includes(concurrency)) throw new ScheduleError(`schedule "${name}": concurrency must be allow, forbid or replace, got ${JSON.stringify(concurrency)}`);
  return Object.freeze({
    [SCHEDULE]: true as const,
    name,
    pattern,
    timezone: options.timezone,
    concurrency,
    startingDeadlineMs: options.startingDeadline === undefined ? undefined : parseDuration(options.startingDeadline),
    leaseMs: parseDuration(options.lease ?? 60_000),
    job: options.job,
    payload: options.payload ?? (() => ({})),
    run: options.run,
  });
}

export function isScheduleDefinition(value: unknown): value is ScheduleDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SCHEDULE] === true;
}
