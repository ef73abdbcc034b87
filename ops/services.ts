// The services `tiered up` starts after the local stack, in order. Each component's starter
// is added here as the component arrives.
//
// The gateway: the `gateway:` section of tiered.yaml when there is one; otherwise the seed
// article's locally bound DB ports (9001 read → replica with fallback to the primary, 9002
// write → primary only) in front of the local stack's PostgreSQL, plus the admin port 8404.
import { startGateway } from '../gateway/gateway.js';
import { defaultDbPorts } from '../gateway/tcp/defaults.js';
import type { TieredConfig } from './config/schema.js';
import { queueViewMount } from './queue-view.js';
import { startCacheRelay } from './cache-relay.js';
import type { StackSummary } from './stack/stack.js';
import type { RunningService, ServiceStarter } from './up.js';

/** The gateway config `tiered up` uses when tiered.yaml has no `gateway:` section. */
export function defaultGatewayConfig(stack: StackSummary): unknown {
  const admin = { listen: '127.0.0.1:8404' };
  if (!stack.postgres) return { admin };
  const primary = `${stack.postgres.primary.host}:${stack.postgres.primary.port}`;
  const replicas = stack.postgres.replica ? [`${stack.postgres.replica.host}:${stack.postgres.replica.port}`] : [];
  return { admin, ...defaultDbPorts({ primary, replicas }) };
}

export const startGatewayService: ServiceStarter = async (config: TieredConfig, stack: StackSummary): Promise<RunningService> => {
  // The admin port also shows the queues (BullMQ on the stack's Redis, or the queue: section's).
  const redis = config.queue?.redis ?? stack.redis?.url;
  const view = redis ? queueViewMount(redis, config.queue?.prefix) : undefined;
  const gateway = await startGateway(config.gateway ?? defaultGatewayConfig(stack), { adminMounts: view ? [view.mount] : undefined });
  return {
    name: 'gateway',
    describe: () => [
      ...Object.entries(gateway.ports()).map(([name, port]) => `gateway ${name.padEnd(10)} 127.0.0.1:${port}`),
      ...(view && gateway.ports().admin ? [`queue view         http://127.0.0.1:${gateway.ports().admin}/queues`] : []),
    ],
    stop: async () => {
      await gateway.stop();
      await view?.close();
    },
  };
};

/** The outbox relay, when tiered.yaml has cache.outbox. */
export const startCacheRelayService: ServiceStarter = async (config: TieredConfig): Promise<RunningService | undefined> => {
  if (!config.cache?.outbox) return undefined;
  const relay = await startCacheRelay(config.cache);
  return { name: 'cache relay', describe: () => ['cache outbox relay running'], stop: () => relay.stop() };
};

export const upServices: ServiceStarter[] = [startGatewayService, startCacheRelayService];
