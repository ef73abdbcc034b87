// `tiered up`: the stack of real servers plus every service, in the foreground.
import type { Command } from 'commander';
import { up } from '../up.js';

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start everything locally (real servers + services) in the foreground; Ctrl-C stops it')
    .option('-c, --config <file>', 'config file (optional)', 'tiered.yaml')
    .action(async (opts: { config: string }) => {
      const { upServices } = await import('../services.js'); // the gateway, cache and queue load only for `up`
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const running = await up({ configFile: opts.config, services: upServices(out, opts.config), out });
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => {}, 1 << 30); // stay in the foreground until a signal
        const onSignal = () => {
          process.stdout.write('\nstopping…\n');
          clearInterval(keepAlive);
          running.stop().then(resolve, resolve);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}
