// Errors of the queue component, each with a stable code. (`UnrecoverableError`, which a handler
// throws to skip the remaining attempts, is BullMQ's own and exported from index.ts: this file
// stays free of BullMQ so that the CLI can name these errors without loading it.)
import { TieredError } from '../sdk/errors.js';

export class QueueError extends TieredError {}

/** Redis is unreachable (or did not answer in time): nothing was enqueued. */
export class RedisUnavailableError extends QueueError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TIERED_ERR_QUEUE_REDIS_DOWN', message, options);
  }
}

/** The payload does not match the job's schema: nothing was enqueued. */
export class InvalidPayloadError extends QueueError {
  /** One line per bad field: `payload.email: expected string, got 42`. */
  readonly problems: string[];
  constructor(job: string, problems: string[]) {
    super('TIERED_ERR_QUEUE_INVALID_PAYLOAD', `invalid payload for job "${job}":\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** Redis is configured in a way that loses jobs (an eviction policy other than noeviction). */
export class RedisPolicyError extends QueueError {
  constructor(message: string) {
    super('TIERED_ERR_QUEUE_REDIS_POLICY', message);
  }
}

/** A job definition is malformed, or a job name is not known to this process. */
export class JobDefinitionError extends QueueError {
  constructor(message: string) {
    super('TIERED_ERR_QUEUE_JOB_DEFINITION', message);
  }
}

/** The handler ran past its `timeout`; the attempt fails and is retried like any other failure. */
export class JobTimeoutError extends QueueError {
  constructor(job: string, timeoutMs: number) {
    super('TIERED_ERR_QUEUE_JOB_TIMEOUT', `job "${job}" ran longer than its timeout of ${timeoutMs} ms`);
  }
}

/** A cron schedule is malformed (bad pattern, timezone or option). */
export class ScheduleError extends QueueError {
  constructor(message: string) {
    super('TIERED_ERR_QUEUE_SCHEDULE', message);
  }
}
