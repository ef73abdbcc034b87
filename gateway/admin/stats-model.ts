// The one stats view behind /stats, /stats.json and /metrics: every frontend, backend and server,
// HTTP and TCP mode alike, with state, check status and last change, weight, in-flight, queued,
// counters and percentiles of every timer (the stats model: backend/stats.ts).
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server.js';
import type { StatsSnapshot } from '../backend/stats.js';
import type { HttpFrontendRuntime } from '../frontend/frontend-runtime.js';
import type { TcpFrontend } from '../tcp/frontend.js';
import type { EdgeStatsSnapshot } from '../edge/stats.js';
import type { EdgeRegistry } from '../edge/edges.js';

export interface ServerStats extends StatsSnapshot {
  name: string;
  address: string;
  /** UP, DOWN, DRAIN, MAINT, EJECTED, UP (trial), as HAProxy's stats page says it. */
  state: string;
  admin: 'ready' | 'drain' | 'maint';
  check: { code: string; detail: string; lastCheck: string | null };
  lastChange: string;
  weight: number;
  effectiveWeight: number;
  backup: boolean;
  inFlight: number;
  maxconn: number;
  /** Peak-EWMA latency estimate, ms (what p2c-ewma balances on). */
  ewma: number | null;
  /** HTTP: upstream sockets in use and idle. */
  openSockets?: { active: number; idle: number };
  /** TCP: sessions open now. */
  sessions?: number;
  /** PostgreSQL check: the role the server said it has, and its replication lag. */
  role?: string;
  lagBytes?: number;
  lagSeconds?: number;
}

export interface BackendStats extends StatsSnapshot {
  name: string;
  mode: 'http' | 'tcp';
  balance: string;
  /** HTTP: what carries its requests to the servers (native, undici, http-proxy-3). */
  engine?: string;
  /** The backend that takes new requests when no server of this one is usable. */
  fallback?: string;
  /** Servers claiming primary at once (a write port refuses while this is set). */
  conflictingPrimaries?: string[];
  up: number;
  total: number;
  queued: number;
  inFlight: number;
  servers: ServerStats[];
}

export interface FrontendStats extends StatsSnapshot {
  name: string;
  mode: 'http' | 'tcp';
  listen: string;
  backend: string;
  /** HTTP: the client side, `native` (Tiered's own llhttp server) or `node` (node:http). */
  server?: 'native' | 'node';
  /** Open client connections. */
  connections: number;
  /** HTTP with an edge: its counters (gateway/edge/stats.ts). */
  edge?: EdgeStatsSnapshot;
}

/** One worker of a supervised gateway, as its primary sees it. */
export interface WorkerStats {
  /** Its place (0…workers-1): a restarted worker keeps the slot. */
  slot: number;
  pid: number | null;
  /** Its gateway is started (frontends listening). */
  up: boolean;
  startedAt: string | null;
  /** Times this slot's worker died and was started again. */
  restarts: number;
  lastExit: { at: string; code: number | null; signal: string | null; error?: string } | null;
}

export interface GatewayStats {
  time: string;
  pid: number;
  uptime: number;
  frontends: FrontendStats[];
  backends: BackendStats[];
  /** The workers of a supervised gateway (absent in a single process). */
  workers?: WorkerStats[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function serverStats(s: ServerRuntime, tcp: boolean, withHistograms: boolean): ServerStats {
  const snapshot = s.stats.snapshot(undefined, withHistograms);
  return {
    name: s.name,
    address: s.address,
    state: s.state,
    admin: s.pool.admin,
    check: { code: s.check.code, detail: s.check.detail, lastCheck: s.check.lastCheck ? iso(s.check.lastCheck) : null },
    lastChange: iso(Math.max(s.lastChange, s.check.lastChange)),
    weight: s.pool.configuredWeight,
    effectiveWeight: Math.round(s.pool.weight * 100) / 100,
    backup: s.pool.backup,
    inFlight: s.pool.inFlight,
    maxconn: s.pool.maxconn,
    ewma: s.pool.latency === undefined ? null : Math.round(s.pool.latency * 1000) / 1000,
    ...(tcp ? { sessions: s.sessions.size } : { openSockets: s.openSockets() }),
    role: s.check.postgres?.role,
    lagBytes: s.check.postgres?.lagBytes,
    lagSeconds: s.check.postgres?.lagSeconds,
    ...snapshot,
    ...(tcp ? s.liveBytes() : {}),
  };
}

export function backendStats(b: BackendRuntime, withHistograms = false): BackendStats {
  const tcp = b.mode === 'tcp';
  const servers = [...b.servers.values()].map((s) => serverStats(s, tcp, withHistograms));
  const { up, total } = b.upCount();
  return {
    name: b.name,
    mode: b.mode,
    balance: b.balance,
    engine: tcp ? undefined : b.config.engine,
    fallback: b.config.fallback,
    conflictingPrimaries: b.conflictingPrimaries,
    up,
    total,
    queued: b.queued,
    inFlight: servers.reduce((n, s) => n + s.inFlight, 0),
    ...b.stats.snapshot(undefined, withHistograms),
    servers,
  };
}

/** `withHistograms`: each snapshot carries its HDR histograms (a worker's answer to its primary). */
export function gatewayStats(
  http: HttpFrontendRuntime[], tcp: TcpFrontend[], backends: ReadonlyMap<string, BackendRuntime>, withHistograms = false, edges?: EdgeRegistry,
): GatewayStats {
  return {
    time: new Date().toISOString(),
    pid: process.pid,
    uptime: Math.round(process.uptime()),
    frontends: [
      ...http.map((f): FrontendStats => ({
        name: f.name, mode: 'http', listen: f.config.listen, backend: f.config.backend, server: f.server, connections: f.connections, ...f.stats.snapshot(undefined, withHistograms),
        ...(edges?.get(f.name) ? { edge: edges.get(f.name)!.snapshot() } : {}),
      })),
      ...tcp.map((f): FrontendStats => ({
        name: f.name, mode: 'tcp', listen: `${f.address.host}:${f.address.port}`, backend: f.config.backend, connections: f.connections, ...f.stats.snapshot(undefined, withHistograms),
      })),
    ],
    backends: [...backends.values()].map((b) => backendStats(b, withHistograms)),
  };
}
