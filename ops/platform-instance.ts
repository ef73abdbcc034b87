// One platform instance (`tiered platform`): the `platform:` section's app module served by
// createPlatform over the DB client (platform.db), the cache (cache:) and the queue (queue:).
// Start-up order: dependencies → migrations + outbox table → listen → log "platform listening".
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TieredConfig } from './config/schema.js';
import { UsageError } from './errors.js';

export interface PlatformFlags {
  port?: number;
  host?: string;
  app?: string;
}

export interface RunningPlatform {
  port: number;
  close(): Promise<void>;
}

/** The app module's path: --app, else platform.app relative to the config file. */
export function appModulePath(config: TieredConfig, configFile: string, flag?: string): string {
  const app = flag ?? config.platform?.app;
  if (!app) throw new UsageError('no app: pass --app <module> or set platform.app in tiered.yaml');
  if (flag) return resolve(flag);
  return isAbsolute(app) ? app : resolve(dirname(configFile), app);
}

export async function startPlatformInstance(config: TieredConfig, configFile: string, flags: PlatformFlags = {}): Promise<RunningPlatform> {
  const { createPlatform } = await import('../platform/platform.js');
  const { createCache } = await import('../cache/cache.js');
  const { cacheOptionsFromConfig, cacheConfigSchema } = await import('../cache/config.js');
  const { Producer } = await import('../queue/producer.js');
  const { createDbClient } = await import('../sdk/db/client.js');
  const settings = config.platform;
  if (!settings?.db) throw new UsageError('platform.db is required: { read: postgres://… (port 9001), write: postgres://… (port 9002) }');
  const path = appModulePath(config, configFile, flags.app);
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  const app = mod.default as import('../platform/define.js').PlatformApp | undefined;
  if (!app || typeof app !== 'object' || !Array.isArray((app as { resources?: unknown }).resources)) {
    throw new UsageError(`${path}: the default export is not a platform app (defineApp({...}))`);
  }
  const db = createDbClient({ read: settings.db.read, write: settings.db.write, rywWait: settings.db.rywWait, max: settings.db.max, sessionSecret: settings.sessionSecret, name: 'platform' });
  const cache = createCache(cacheOptionsFromConfig(config.cache ?? cacheConfigSchema.parse({})));
  const producer = config.queue ? new Producer({ redis: config.queue.redis, prefix: config.queue.prefix, enqueueTimeout: config.queue.enqueueTimeout, completed: config.queue.completed, deadLetters: config.queue.deadLetters }) : undefined;
  const closeDeps = async () => {
    await producer?.close().catch(() => {});
    await cache.close().catch(() => {});
    await db.close().catch(() => {});
  };
  try {
    await cache.ready();
    const platform = createPlatform({
      db, cache, queue: producer, app, options: settings.options, replicaUrl: settings.db.read,
      grace: settings.grace, markerTtl: settings.markerTtl, outboxTable: config.cache?.outbox?.table,
    });
    await platform.prepare();
    const { port } = await platform.listen(flags.port ?? settings.port, flags.host ?? settings.host);
    return {
      port,
      close: async () => {
        await platform.close();
        await closeDeps();
      },
    };
  } catch (error) {
    await closeDeps();
    throw error;
  }
}
