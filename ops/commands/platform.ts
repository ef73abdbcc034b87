// `tiered platform -c tiered.yaml [--port 9100] [--app module]`: one platform instance in the
// foreground. SIGTERM/SIGINT: /healthz turns 503, requests in flight finish (platform.grace), exit 0.
import type { Command } from 'commander';
import { createLogger } from '../../sdk/log/logger.js';
import { loadConfigFile } from '../config/load.js';
import { UsageError } from '../errors.js';
import { startTelemetry } from '../telemetry.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port: expected a port number, got ${JSON.stringify(value)}`);
  return n;
}

export function registerPlatformCommand(program: Command): void {
  program
    .command('platform')
    .description('run a platform instance (resources and commands of platform.app) until stopped')
    .option('-c, --config <file>', 'config file', 'tiered.yaml')
    .option('-p, --port <port>', 'port (overrides platform.port)')
    .option('--host <host>', 'address to bind (overrides platform.host)')
    .option('--app <module>', 'app module (overrides platform.app)')
    .action(async (opts: { config: string; port?: string; host?: string; app?: string }) => {
      const config = loadConfigFile(opts.config);
      const log = createLogger('platform');
      const telemetry = await startTelemetry(config.telemetry ?? {});
      const { startPlatformInstance } = await import('../platform-instance.js');
      const instance = await startPlatformInstance(config, opts.config, { port: opts.port === undefined ? undefined : port(opts.port), host: opts.host, app: opts.app });
      // A stray rejection (an app's timer, a client library) is logged; the instance goes on.
      process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection: logged, instance goes on'));
      log.info({ port: instance.port, pid: process.pid }, `platform listening on port ${instance.port} (pid ${process.pid})`);
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => {}, 1 << 30);
        const stop = (signal: string) => {
          log.info({ signal }, 'platform stopping');
          clearInterval(keepAlive);
          void instance.close().then(() => telemetry.shutdown().catch(() => {})).finally(() => {
            resolve();
            setImmediate(() => process.exit(process.exitCode ?? 0));
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
