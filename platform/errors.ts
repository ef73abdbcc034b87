// Errors of the platform component: a base class and a stable `code` per error. An app's
// resource or command throws HttpError to answer with a status of its choosing (404, 409…).
import { TieredError } from '../sdk/errors.js';

export class PlatformError extends TieredError {}

/** Thrown by a resource or command: answered as `status` with `{ error: message }`. */
export class HttpError extends PlatformError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('TIERED_ERR_PLATFORM_HTTP', message);
    this.status = status;
  }
}

/** The input did not validate: answered 400 with one line per bad field (`problems`). */
export class InvalidInputError extends PlatformError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('TIERED_ERR_PLATFORM_INVALID_INPUT', `invalid input:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** A resource or command definition is wrong (name, path): thrown at definition time. */
export class DefinitionError extends PlatformError {
  constructor(message: string) {
    super('TIERED_ERR_PLATFORM_DEFINITION', message);
  }
}

/** A migration failed: the instance does not start. */
export class MigrationError extends PlatformError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TIERED_ERR_PLATFORM_MIGRATION', message, options);
  }
}
