// The DB ports every box gets (the seed article's layout): 9001 reads from the replicas and
// falls back to the primary when none is usable; 9002 writes to the primary only. `tiered up`
// and the local stack write this into the gateway section.
import type { GatewayInput } from '../config.js';

/** The DB ports' part of a gateway section. */
export type DbPortsInput = { frontends: NonNullable<GatewayInput['frontends']>; backends: NonNullable<GatewayInput['backends']> };

export interface DefaultDbPortsOptions {
  /** `host:port` of the PostgreSQL primary. */
  primary: string;
  /** `host:port` of each streaming replica (may be empty: reads then go to the primary). */
  replicas: string[];
  readListen?: string;
  writeListen?: string;
  /** Check login; the password, when needed, from this environment variable. */
  user?: string;
  database?: string;
  passwordEnv?: string;
  /** A replica further behind than this is taken out of the read port. */
  maxLagBytes?: string | number;
  maxLagSeconds?: string | number;
}

export function defaultDbPorts(options: DefaultDbPortsOptions): DbPortsInput {
  const login = {
    user: options.user ?? 'postgres',
    database: options.database ?? 'postgres',
    ...(options.passwordEnv ? { passwordEnv: options.passwordEnv } : {}),
  };
  // The write backend lists every server: after a promotion the new primary is already in it.
  const everyServer = [options.primary, ...options.replicas];
  const backends: DbPortsInput['backends'] = [
    {
      name: 'db-primary',
      balance: 'first',
      onMarkedDown: 'shutdown-sessions',
      check: { type: 'postgres', role: 'primary', interval: '1s', rise: 2, fall: 2, ...login },
      servers: everyServer.map((address, i) => ({ name: i === 0 ? 'primary' : `replica${i}`, address })),
    },
  ];
  if (options.replicas.length > 0) {
    backends.unshift({
      name: 'db-replicas',
      balance: 'leastconn',
      fallback: 'db-primary',
      onMarkedDown: 'shutdown-sessions',
      check: {
        type: 'postgres', role: 'replica', interval: '1s', rise: 2, fall: 2,
        maxLagBytes: options.maxLagBytes ?? '16mb', maxLagSeconds: options.maxLagSeconds ?? '30s', ...login,
      },
      servers: options.replicas.map((address, i) => ({ name: `replica${i + 1}`, address })),
    });
  }
  return {
    frontends: [
      { name: 'db-read', listen: options.readListen ?? '127.0.0.1:9001', mode: 'tcp', backend: options.replicas.length > 0 ? 'db-replicas' : 'db-primary' },
      { name: 'db-write', listen: options.writeListen ?? '127.0.0.1:9002', mode: 'tcp', backend: 'db-primary' },
    ],
    backends,
  };
}
