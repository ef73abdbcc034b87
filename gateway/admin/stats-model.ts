// The one stats model behind /stats, /stats.json and /metrics: every frontend, backend and
// server with state, check status and last change, weight, in-flight, queued, totals, 5xx,
// retries and p50/p99 response time. TCP-mode figures come from gateway/tcp as they are.
import type { TcpGateway, TcpGatewayStats } from '../tcp/index.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { StatsSnapshot } from '../backend/stats.js';
import type { HttpFrontendRuntime } from '../frontend/frontend-runtime.js';

export interface ServerStats extends StatsSnapshot {
  name: string;
  address: string;
  state: string;
  admin: 'ready' | 'drain' | 'maint';
  check: { status: string; detail: string; lastCheck: string | null };
  lastChange: string;
  weight: number;
  effectiveWeight: number;
  backup: boolean;
  inFlight: number;
  maxconn: number;
  /** Peak-EWMA latency estimate, ms (what p2c-ewma balances on). */
  ewma: number | null;
  openSockets: { active: number; idle: number };
}

export interface BackendStats extends StatsSnapshot {
  name: string;
  mode: 'http';
  balance: string;
  /** What carries its requests to the servers (native, undici, http-proxy-3). */
  engine: string;
  up: number;
  total: number;
  queued: number;
  inFlight: number;
  servers: ServerStats[];
}

export interface FrontendStats extends StatsSnapshot {
  name: string;
  mode: 'http';
  listen: string;
  backend: string;
  /** The client side: `native` (Tiered's own llhttp server) or `node` (node:http). */
  server: 'native' | 'node';
  connections: number;
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
  tcp?: TcpGatewayStats;
  /** The workers of a supervised gateway (absent in a single process). */
  workers?: WorkerStats[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function backendStats(b: BackendRuntime, withHistograms = false): BackendStats {
  const servers: ServerStats[] = [...b.servers.values()].map((s) => ({
    name: s.name,
    address: s.config.address,
    state: s.state,
    admin: s.pool.admin,
    check: { status: s.check.status, detail: s.check.detail, lastCheck: s.check.lastCheck ? iso(s.check.lastCheck) : null },
    lastChange: iso(Math.max(s.lastChange, s.check.lastChange)),
    weight: s.pool.configuredWeight,
    effectiveWeight: Math.round(s.pool.weight * 100) / 100,
    backup: s.pool.backup,
    inFlight: s.pool.inFlight,
    maxconn: s.pool.maxconn,
    ewma: s.pool.latency === undefined ? null : Math.round(s.pool.latency * 1000) / 1000,
    openSockets: s.openSockets(),
    ...s.stats.snapshot(undefined, withHistograms),
  }));
  const { up, total } = b.upCount();
  return {
    name: b.name,
    mode: 'http',
    balance: b.balance,
    engine: b.config.engine,
    up,
    total,
    queued: b.queued,
    inFlight: servers.reduce((n, s) => n + s.inFlight, 0),
    ...b.stats.snapshot(undefined, withHistograms),
    servers,
  };
}

/** `withHistograms`: each snapshot carries its HDR histogram (a worker's answer to its primary). */
export function gatewayStats(frontends: HttpFrontendRuntime[], backends: ReadonlyMap<string, BackendRuntime>, tcp: TcpGateway | undefined, withHistograms = false): GatewayStats {
  return {
    time: new Date().toISOString(),
    pid: process.pid,
    uptime: Math.round(process.uptime()),
    frontends: frontends.map((f) => ({
      name: f.name, mode: 'http', listen: f.config.listen, backend: f.config.backend, server: f.server, connections: f.connections, ...f.stats.snapshot(undefined, withHistograms),
    })),
    backends: [...backends.values()].map((b) => backendStats(b, withHistograms)),
    tcp: tcp?.stats(),
  };
}
