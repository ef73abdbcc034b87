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
