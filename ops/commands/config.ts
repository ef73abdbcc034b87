// `tiered config check [-c file]`: validate tiered.yaml and print the resolved config.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfigFile } from '../config/load.js';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('work with tiered.yaml');
  config
    .command('check')
    .description('validate a config file and print it resolved (defaults filled, ${ENV} expanded)')
    .option('-c, --config <file>', 'config file', 'tiered.yaml')
    .option('--json', 'print JSON instead of YAML')
    .action((opts: { config: string; json?: boolean }) => {
      const resolved = loadConfigFile(opts.config);
      process.stdout.write(opts.json ? `${JSON.stringify(resolved, null, 2)}\n` : stringify(resolved));
      process.stderr.write(`${opts.config}: ok\n`);
    });
}
