// The stats view of TCP backends (for /stats.json, the stats page and tests): plain data.
import type { TcpBackendRuntime } from './backend-runtime.js';
import type { TcpServerRuntime } from './server-runtime.js';

export interface TcpServerStats {
  name: string;
  address: string;
  /** UP, DOWN, DRAIN or MAINT, as on HAProxy's stats page. */
  status: 'UP' | 'DOWN' | 'DRAIN' | 'MAINT';
  state: 'ready' | 'drain' | 'maint';
  check: string;
  lastChange: string;
  weight: number;
  backup: boolean;
  inFlight: number;
  maxconn: number;
  role?: string;
  lagBytes?: number;
  lagSeconds?: number;
  sessions: number;
  connectErrors: number;
  bytesIn: number;
  bytesOut: number;
  /** Percentiles over finished sessions, ms. */
  connectP50: number;
  connectP99: number;
  sessionP50: number;
  sessionP99: number;
}

export interface TcpBackendStats {
  name: string;
  mode: 'tcp';
  balance: string;
  fallback?: string;
  queued: number;
  /** Servers claiming primary at once (the write port refuses while this is set). */
  conflictingPrimaries?: string[];
  totals: TcpBackendRuntime['totals'];
  servers: TcpServerStats[];
}

/** Bytes of finished sessions plus those of the open ones so far. */
function liveBytes(server: TcpServerRuntime): { bytesIn: number; bytesOut: number } {
  let bytesIn = server.totals.bytesIn;
  let bytesOut = server.totals.bytesOut;
  for (const session of server.sessions) {
    const now = session.bytes();
    bytesIn += now.in;
    bytesOut += now.out;
  }
  return { bytesIn, bytesOut };
}

export function backendStats(backend: TcpBackendRuntime): TcpBackendStats {
  return {
    name: backend.name,
    mode: 'tcp',
    balance: backend.config.balance,
    fallback: backend.config.fallback,
    queued: backend.queued,
    conflictingPrimaries: backend.conflictingPrimaries(),
    totals: { ...backend.totals },
    servers: backend.servers.map((s) => ({
      name: s.id,
      address: s.address,
      status: s.state === 'maint' ? 'MAINT' : !s.up ? 'DOWN' : s.state === 'drain' ? 'DRAIN' : 'UP',
      state: s.state,
      check: s.check.detail,
      lastChange: new Date(s.check.lastChange).toISOString(),
      weight: s.pool.configuredWeight,
      backup: s.pool.backup,
      inFlight: s.inFlight,
      maxconn: s.pool.maxconn,
      role: s.check.postgres?.role,
      lagBytes: s.check.postgres?.lagBytes,
      lagSeconds: s.check.postgres?.lagSeconds,
      ...s.totals,
      ...liveBytes(s),
      ...s.times.snapshot(),
    })),
  };
}
