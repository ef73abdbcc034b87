// Entry point of the `tiered` command: builds the commander program from the registered
// subcommands and runs it. Usage errors (unknown command, bad flag, bad value) exit 2.
import { CommanderError } from 'commander';
import { buildProgram } from './commands/program.js';
import { ConfigError, TieredError } from '../sdk/errors.js';
import { UsageError } from './errors.js';

const program = buildProgram();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = exitCodeFor(error);
  process.exitCode = code;
  // A command that failed half-way may have left servers or timers open (a gateway whose admin
  // port was taken after its frontends opened): it must still end, once stderr is written.
  if (code !== 0) setTimeout(() => process.exit(code), 500).unref();
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return 2; // commander already printed the message and usage
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`tiered: ${error.message}\n`);
    return 2;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`tiered: ${error.message}\n`);
    return 2;
  }
  if (error instanceof TieredError) {
    // A known failure (server down, refused config of a peer…): one line, no stack trace.
    process.stderr.write(`tiered: ${error.message} [${error.code}]\n`);
    return 1;
  }
  process.stderr.write(`tiered: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
