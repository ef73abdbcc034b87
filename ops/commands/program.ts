// The `tiered` program: global options plus every registered subcommand. Each component's
// command lives in its own file here and is added to `registrars` below.
import { Command } from 'commander';
import { packageVersion } from '../package-root.js';
import { registerConfigCommand } from './config.js';
import { registerBenchCommand } from './bench.js';
import { registerStackCommand } from './stack.js';
import { registerDoctorCommand } from './doctor.js';
import { registerUpCommand } from './up.js';
import { registerCacheCommand } from './cache.js';
import { registerGatewayCommand } from './gateway.js';
import { registerWorkerCommand } from './worker.js';
import { registerJobsCommand } from './jobs.js';
import { registerCronCommand } from './cron.js';
import { registerPlatformCommand } from './platform.js';
import { registerDemoCommand } from './demo.js';

export type Registrar = (program: Command) => void;

const registrars: Registrar[] = [
  registerGatewayCommand,
  registerConfigCommand,
  registerBenchCommand,
  registerStackCommand,
  registerDoctorCommand,
  registerUpCommand,
  registerCacheCommand,
  registerWorkerCommand,
  registerJobsCommand,
  registerCronCommand,
  registerPlatformCommand,
  registerDemoCommand,
];

export function buildProgram(): Command {
  const program = new Command('tiered')
    .description('Tiered: load balancer + CDN edge, smart clients, cache tier and offline jobs for existing web apps')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run tiered --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride();
  // An unknown subcommand prints usage and exits 2 (commander's default for it is 1).
  program.on('command:*', (operands: string[]) => {
    program.outputHelp({ error: true });
    program.error(`unknown command '${operands[0]}'`, { exitCode: 2, code: 'commander.unknownCommand' });
  });
  for (const register of registrars) register(program);
  for (const command of program.commands) command.exitOverride().showHelpAfterError(true);
  return program;
}
