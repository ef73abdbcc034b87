// Errors of the sdk component: a base class with a stable `code` per error.

export class TieredError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class ConfigError extends TieredError {
  /** One line per bad field: `path: what was expected, got what`. */
  readonly problems: string[];
  constructor(problems: string[], source?: string) {
    super('TIERED_ERR_CONFIG', `invalid config${source ? ` in ${source}` : ''}:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** No host of the pool can take the request (all down, ejected, or none discovered). */
export class NoHostAvailableError extends TieredError {
  constructor(message = 'no healthy host available') {
    super('TIERED_ERR_SDK_NO_HOST', message);
  }
}

/** The request's time budget ran out before an answer. */
export class DeadlineExceededError extends TieredError {
  readonly timeout: number;
  constructor(timeout: number, options?: { cause?: unknown }) {
    super('TIERED_ERR_SDK_DEADLINE', `request did not complete within ${timeout} ms`, options);
    this.timeout = timeout;
  }
}

/** Every attempt failed at the transport level (connect error, reset, timeout). */
export class UpstreamError extends TieredError {
  readonly host: string;
  readonly attempts: number;
  constructor(host: string, attempts: number, options?: { cause?: unknown }) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('TIERED_ERR_SDK_UPSTREAM', `request to ${host} failed after ${attempts} attempt(s)${why}`, options);
    this.host = host;
    this.attempts = attempts;
  }
}

/** The DB write pool (primary) cannot be reached: writes fail fast instead of hanging. */
export class DbWriteUnavailableError extends TieredError {
  constructor(options?: { cause?: unknown }) {
    super('TIERED_ERR_SDK_DB_WRITE_DOWN', 'the database write pool (primary) is unavailable', options);
  }
}

/** A session token that cannot be decoded (tampered, truncated, or from another format). */
export class InvalidSessionTokenError extends TieredError {
  constructor(message: string) {
    super('TIERED_ERR_SDK_SESSION_TOKEN', message);
  }
}
