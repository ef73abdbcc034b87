// `tiered cache relay`: run the durable-invalidation outbox relay of the `cache:` section.
import type { Command } from 'commander';
import { createLogger } from '../../sdk/log/logger.js';
import { loadConfigFile } from '../config/load.js';

export function registerCacheCommand(program: Command): void {
  const cache = program.command('cache').description('the cache tier');
  cache
    .command('relay')
    .description('apply committed invalidations from the PostgreSQL outbox (cache.outbox in tiered.yaml) until stopped')
    .option('-c, --config <file>', 'config file', 'tiered.yaml')
    .action(async (opts: { config: string }) => {
      const { startCacheRelay } = await import('../cache-relay.js'); // memjs/ioredis/pg load only here
      const relay = await startCacheRelay(loadConfigFile(opts.config).cache);
      // The relay handles bad rows and bus messages itself; anything that still escapes is logged
      // and counted, and the relay goes on (an unapplied row stays in the outbox and is retried).
      const log = createLogger('cache');
      let stray = 0;
      process.on('unhandledRejection', (reason) => {
        stray += 1;
        log.error({ err: reason, stray }, 'outbox relay: unhandled rejection logged, relay goes on');
      });
      process.stderr.write(`outbox relay running (${await relay.pending()} pending); Ctrl-C stops it\n`);
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => {}, 1 << 30);
        const stop = () => {
          clearInterval(keepAlive);
          relay.stop().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
