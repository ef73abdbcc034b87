// Schema pieces of TCP (L4) mode, beside the code that reads them. gateway/config.ts composes
// them into the one gateway schema: the frontend union (mode: http | tcp), the check union and
// the backend fields (a backend is one model for both modes).
import { z } from 'zod';
import { duration, hostPort, size } from '../../sdk/config/schema.js';

/** Extra fields of a `mode: tcp` frontend (beside name, listen, mode, backend). */
export const tcpFrontendFields = {
  /** Time allowed to open the connection to a server (HAProxy `timeout connect`). */
  connectTimeout: duration().default(5000),
  /** A session with no bytes either way for this long is closed (HAProxy `timeout client/server`). */
  idleTimeout: duration().default(30 * 60_000),
  /** Send a PROXY protocol v2 header to the server first, so it sees the client's address. */
  proxyProtocol: z.enum(['none', 'v2']).default('none'),
};

/** Check timing shared by every check type (HAProxy's inter/fastinter/downinter, rise, fall). */
export const checkTimers = {
  interval: duration().default(2000),
  /** Interval while a server is going up or down (between the first and the last needed result). */
  fastInterval: duration().optional(),
  /** Interval while a server is DOWN. */
  downInterval: duration().optional(),
  timeout: duration().default(2000),
  rise: z.number().int().min(1).default(2),
  fall: z.number().int().min(1).default(3),
};

/** The `postgres` health check: log in, `SELECT pg_is_in_recovery()`, compare the role and the lag. */
export const postgresCheckSchema = z.strictObject({
  type: z.literal('postgres'),
  ...checkTimers,
  user: z.string().min(1).default('postgres'),
  /** The password itself (prefer `passwordEnv` or `${ENV}` interpolation). */
  password: z.string().optional(),
  /** Name of an environment variable that holds the password. */
  passwordEnv: z.string().min(1).optional(),
  database: z.string().min(1).default('postgres'),
  /** primary: only a server not in recovery passes; replica: only a server in recovery; any: both. */
  role: z.enum(['primary', 'replica', 'any']).default('any'),
  /** A replica whose replay position is this far behind the primary's WAL fails the check. */
  maxLagBytes: size().optional(),
  /** A replica whose last replayed transaction is this old (while WAL is pending) fails the check. */
  maxLagSeconds: duration().optional(),
});

/** The plain `tcp` connect check (a TCP backend may use it instead of `postgres`). */
export const tcpCheckSchema = z.strictObject({ type: z.literal('tcp'), ...checkTimers });

export const tcpServerSchema = z.strictObject({
  name: z.string().min(1),
  address: hostPort(),
  weight: z.number().int().min(0).max(256).default(1),
  /** Most concurrent sessions on this server; more wait in the backend queue. */
  maxconn: z.number().int().min(1).optional(),
  /** Used only when no non-backup server is up. */
  backup: z.boolean().default(false),
});

/** Fields a TCP backend adds to a backend (beside name, balance, check, servers). */
export const tcpBackendFields = {
  /** Backend that takes new connections when no server of this one is usable (read → primary). */
  fallback: z.string().min(1).optional(),
  /** `shutdown-sessions` closes the open sessions of a server marked DOWN (HAProxy on-marked-down). */
  onMarkedDown: z.enum(['none', 'shutdown-sessions']).default('none'),
  /** Connections waiting for a free server slot (maxconn), at most this many. */
  maxQueue: z.number().int().min(0).default(1024),
  /** A connection waits at most this long in the queue, then is closed. */
  queueTimeout: duration().default(5000),
};

export type TcpServerConfig = z.output<typeof tcpServerSchema>;
export type PostgresCheckConfig = z.output<typeof postgresCheckSchema>;
export type TcpCheckConfig = z.output<typeof tcpCheckSchema>;
