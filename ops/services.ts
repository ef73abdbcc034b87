// The services `tiered up` starts after the local stack, in order, each as a supervised child
// process (ops/children.ts): a fault in one never ends `tiered up` or another service, and a child
// that dies is started again. Each component's starter is added here as the component arrives.
//
// The gateway: the `gateway:` section of tiered.yaml when there is one; otherwise the seed
// article's locally bound DB ports (9001 read → replica with fallback to the primary, 9002
// write → primary only) in front of the local stack's PostgreSQL, plus the admin port 8404.
// It runs as `tiered gateway -c <stack dir>/up-gateway.yaml` (its own supervising primary and
// workers), with the queue view on the admin port.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { defaultDbPorts } from '../gateway/tcp/defaults.js';
import { validateGatewayConfig } from '../gateway/gateway.js';
import type { TieredConfig } from './config/schema.js';
import type { StackSummary } from './stack/stack.js';
import { superviseChild } from './children.js';
import type { RunningService, ServiceStarter } from './up.js';
import { demoBanner, demoDataStarter, demoGatewayConfig, demoLayout, demoProcessesStarter, type DemoLayout } from './demo-services.js';

/** The gateway config `tiered up` uses when tiered.yaml has no `gateway:` section. */
export function defaultGatewayConfig(stack: StackSummary): unknown {
  const admin = { listen: '127.0.0.1:8404' };
  if (!stack.postgres) return { admin };
  const primary = `${stack.postgres.primary.host}:${stack.postgres.primary.port}`;
  const replicas = stack.postgres.replica ? [`${stack.postgres.replica.host}:${stack.postgres.replica.port}`] : [];
  return { admin, ...defaultDbPorts({ primary, replicas }) };
}

/** Width of the name column in `tiered up`'s output. */
const NAME_WIDTH = 12;

/** Ports the gateway logged as listening, by frontend name (`admin` for the admin port). */
export function listeningPort(line: string): { name: string; port: number } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { frontend?: unknown; port?: unknown; listen?: unknown; msg?: unknown };
    if (typeof entry.msg !== 'string' || !entry.msg.includes('listening')) return undefined;
    // Every listening line logs `port` (TCP frontends since issue 16; `listen` as a fallback).
    const fromListen = typeof entry.listen === 'string' ? Number(/:(\d+)$/.exec(entry.listen)?.[1]) : NaN;
    const port = typeof entry.port === 'number' ? entry.port : fromListen;
    if (!Number.isInteger(port) || port <= 0) return undefined;
    return { name: typeof entry.frontend === 'string' ? entry.frontend : 'admin', port };
  } catch {
    return undefined;
  }
}

export function gatewayServiceStarter(out: (line: string) => void, layoutOf: () => DemoLayout | undefined = () => undefined): ServiceStarter {
  return async (config: TieredConfig, stack: StackSummary): Promise<RunningService> => {
    const layout = layoutOf();
    const gateway = validateGatewayConfig(config.gateway ?? (layout ? demoGatewayConfig(stack, layout) : defaultGatewayConfig(stack)));
    // The admin port also shows the queues (BullMQ on the stack's Redis, or the queue: section's).
    const redis = config.queue?.redis ?? stack.redis?.url;
    const file = join(stack.dir, 'up-gateway.yaml');
    writeFileSync(file, stringify({ gateway, ...(redis ? { queue: { ...config.queue, redis } } : {}) }));
    const expected = new Set([...gateway.frontends.map((f) => f.name), ...(gateway.admin ? ['admin'] : [])]);
    const ports = new Map<string, number>();
    const child = superviseChild({
      name: 'gateway',
      args: ['gateway', '-c', file],
      ready: (line) => {
        const seen = listeningPort(line);
        if (seen) ports.set(seen.name, seen.port);
        return [...expected].every((name) => ports.has(name));
      },
    }, out, NAME_WIDTH);
    await child.started;
    return {
      name: 'gateway',
      describe: () => [
        ...[...ports].map(([name, port]) => `gateway ${name.padEnd(10)} 127.0.0.1:${port}`),
        ...(redis && ports.has('admin') ? [`queue view         http://127.0.0.1:${ports.get('admin')}/queues`] : []),
      ],
      stop: () => child.stop(gateway.grace + 5000),
    };
  };
}

/** The outbox relay, when tiered.yaml has cache.outbox: `tiered cache relay -c <file>`. */
export function cacheRelayServiceStarter(out: (line: string) => void, configFile: string): ServiceStarter {
  return async (config: TieredConfig): Promise<RunningService | undefined> => {
    if (!config.cache?.outbox) return undefined;
    const child = superviseChild({ name: 'cache relay', args: ['cache', 'relay', '-c', configFile], ready: (line) => line.includes('outbox relay running') }, out, NAME_WIDTH);
    await child.started;
    return { name: 'cache relay', describe: () => ['cache outbox relay running'], stop: () => child.stop() };
  };
}

/**
 * What `tiered up` runs after the stack, writing the children's lines to `out`: the gateway, the
 * user's outbox relay (cache.outbox), and the timeline demo (ops/demo-services.ts) unless the
 * config turns it off, has no PostgreSQL, or brings its own gateway: section. `apps` (--app)
 * puts the user's own apps behind :8080 instead of the demo web tier.
 */
export function upServices(out: (line: string) => void, configFile: string, options: { apps?: string[] } = {}): ServiceStarter[] {
  let layout: DemoLayout | undefined;
  const layoutOf = () => layout;
  const decide: ServiceStarter = async (config, stack) => {
    layout = demoLayout(config, stack, options.apps);
    return undefined;
  };
  const banner: ServiceStarter = async () => (layout ? { name: 'banner', describe: () => ['', ...demoBanner(layout!)], stop: async () => {} } : undefined);
  return [decide, gatewayServiceStarter(out, layoutOf), demoDataStarter(out, layoutOf), cacheRelayServiceStarter(out, configFile), demoProcessesStarter(out, layoutOf), banner];
}
