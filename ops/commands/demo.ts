// `tiered demo seed` and `tiered demo web`: the timeline demo's data and web tier.
//   tiered demo seed --users 10000 --follows-per-user 50 --posts 100000 [-c tiered.yaml | --db postgres://…]
//   tiered demo web --port 3100 --platform http://127.0.0.1:9000 [--platform …]
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { createLogger } from '../../sdk/log/logger.js';
import { loadConfigFile } from '../config/load.js';
import { UsageError } from '../errors.js';

function count(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 100_000_000) throw new UsageError(`--${name}: expected a whole number, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function registerDemoCommand(program: Command): void {
  const demo = program.command('demo').description('the timeline demo (platform/demo)');
  demo
    .command('seed')
    .description('bulk-load users, follows and posts into PostgreSQL (migrations first)')
    .option('-c, --config <file>', 'tiered.yaml (platform.db.write is used)', 'tiered.yaml')
    .option('--db <url>', 'postgres:// URL of the primary or the write port (overrides the config)')
    .option('--users <n>', 'users to add', count('users'), 1000)
    .option('--follows-per-user <n>', 'follows per new user (skewed: a few accounts get many)', count('follows-per-user'), 20)
    .option('--posts <n>', 'posts to add', count('posts'), 10_000)
    .action(async (opts: { config: string; db?: string; users: number; followsPerUser: number; posts: number }) => {
      const url = opts.db ?? (existsSync(opts.config) ? loadConfigFile(opts.config).platform?.db?.write : undefined);
      if (!url) throw new UsageError('no database: pass --db postgres://… or set platform.db.write in tiered.yaml');
      const pg = (await import('pg')).default;
      const { createDbClient } = await import('../../sdk/db/client.js');
      const { migrate } = await import('../../platform/migrations.js');
      const { migrations } = await import('../../platform/demo/schema.js');
      const { seed, progressBar } = await import('../../platform/demo/seed.js');
      const db = createDbClient({ read: url, write: url, max: 1 });
      await migrate(db, 'timeline', migrations).finally(() => db.close());
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        const report = await seed(pool, { ...opts, onProgress: progressBar((t) => process.stderr.write(t), process.stderr.isTTY === true) });
        process.stdout.write(`seeded ${report.users} users, ${report.follows} follows, ${report.posts} posts in ${(report.ms / 1000).toFixed(1)} s\n`);
      } finally {
        await pool.end();
      }
    });
  demo
    .command('web')
    .description('run a web tier instance of the demo (HTML UI + JSON API) in front of the platform')
    .option('-p, --port <port>', 'port', '3100')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--platform <url>', 'platform origin (repeatable; default http://127.0.0.1:9000)', (v: string, all: string[] = []) => [...all, v])
    .action(async (opts: { port: string; host: string; platform?: string[] }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number, got ${JSON.stringify(opts.port)}`);
      const { startWeb } = await import('../../platform/demo/web.js');
      const log = createLogger('web');
      const web = await startWeb({ platform: opts.platform ?? ['http://127.0.0.1:9000'], port, host: opts.host });
      process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection: logged, web goes on'));
      log.info({ port: web.port, pid: process.pid }, `web listening on port ${web.port} (pid ${process.pid})`);
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => {}, 1 << 30);
        const stop = () => {
          clearInterval(keepAlive);
          void web.close().finally(() => {
            resolve();
            setImmediate(() => process.exit(0));
          });
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
