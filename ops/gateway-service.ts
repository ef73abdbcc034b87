// The gateway as a `tiered up` service: the `gateway:` section of tiered.yaml when it has
// frontends; otherwise the seed layout's DB ports in front of the local stack's PostgreSQL
// (9001 reads from the replica with fallback to the primary, 9002 writes to the primary) and
// the admin port on 127.0.0.1:8404.
import { defaultDbPorts } from '../gateway/tcp/index.js';
import { startGateway, validateGatewayConfig } from '../gateway/index.js';
import type { RunningService, ServiceStarter } from './up.js';

export const gatewayService: ServiceStarter = async (config, stack): Promise<RunningService | undefined> => {
  let section = config.gateway;
  if (!section || section.frontends.length === 0) {
    const pg = stack.postgres;
    if (!pg) return undefined;
    const ports = defaultDbPorts({
      primary: `${pg.primary.host}:${pg.primary.port}`,
      replicas: pg.replica ? [`${pg.replica.host}:${pg.replica.port}`] : [],
    });
    section = validateGatewayConfig({ ...ports, admin: { listen: '127.0.0.1:8404' } });
  }
  const gateway = await startGateway(section);
  return {
    name: 'gateway',
    describe: () => Object.entries(gateway.ports()).map(([name, port]) => `${`gateway ${name}`.padEnd(20)} 127.0.0.1:${port}`),
    stop: () => gateway.stop(),
  };
};
