// Errors of the ops component (CLI, local stack), each with a stable code.
import { TieredError } from '../sdk/errors.js';
import { installDepsCommand } from './package-root.js';

/** Wrong use of the CLI: printed without a stack trace, exit code 2. */
export class UsageError extends TieredError {
  constructor(message: string) {
    super('TIERED_ERR_USAGE', message);
  }
}

/** A server binary the stack needs is not installed; names the Debian package. */
export class MissingBinaryError extends UsageError {
  readonly binary: string;
  readonly debianPackage: string;
  constructor(binary: string, debianPackage: string) {
    super(`${binary} not found: install the Debian package "${debianPackage}" (${installDepsCommand()}, or: sudo apt-get install -y ${debianPackage})`);
    this.binary = binary;
    this.debianPackage = debianPackage;
  }
}

export class StackError extends TieredError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TIERED_ERR_STACK', message, options);
  }
}
