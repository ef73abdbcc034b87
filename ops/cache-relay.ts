// The outbox relay of the `cache:` section as a service: it applies the invalidations that
// committed transactions wrote with withInvalidation() (cache deletes, tag bumps, edge purges),
// retrying until each is applied. Used by `tiered cache relay` and by `tiered up`.
import { createCache } from '../cache/cache.js';
import { cacheOptionsFromConfig, type CacheConfig } from '../cache/config.js';
import { createOutboxRelay } from '../cache/outbox/relay.js';
import { UsageError } from './errors.js';

export interface RunningRelay {
  pending(): Promise<number>;
  stop(): Promise<void>;
}

export async function startCacheRelay(config: CacheConfig | undefined): Promise<RunningRelay> {
  if (!config?.outbox) throw new UsageError('no cache.outbox section: the relay needs cache.outbox.db (a postgres:// URL)');
  const cache = createCache(cacheOptionsFromConfig(config));
  const relay = createOutboxRelay({
    db: config.outbox.db,
    cache,
    purger: config.outbox.purge,
    pollInterval: config.outbox.pollInterval,
    batchSize: config.outbox.batchSize,
    table: config.outbox.table,
  });
  try {
    await relay.start();
  } catch (error) {
    await cache.close().catch(() => {});
    throw error;
  }
  return {
    pending: () => relay.pending(),
    stop: async () => {
      await relay.stop();
      await cache.close();
    },
  };
}
