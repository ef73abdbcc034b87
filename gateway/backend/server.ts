// The runtime of one configured server, HTTP and TCP mode alike: its balancing state (the sdk
// PoolServer: admin state, weight, in-flight, health), its address, its last check, its stats,
// and what each mode keeps per server: HTTP upstream connections (the native engine's keep-alive
// pool, an undici Pool, or a node:http keep-alive agent for http-proxy-3; made on first use) and
// the open TCP sessions (closed on DOWN with on-marked-down shutdown-sessions).
import { Agent } from 'node:http';
import { Pool } from 'undici';
import type { PoolServer } from '../../sdk/balance/server-pool.js';
import { parseHostPort } from '../../sdk/config/schema.js';
import type { ServerConfig } from '../config.js';
import { UpstreamPool } from '../upstream/upstream-pool.js';
import type { PostgresVerdict } from '../tcp/postgres-verdict.js';
import { Stats } from './stats.js';

/** HAProxy's check status codes (`PGOK`/`PGERR`: the postgres role-and-lag check). */
export type CheckCode = 'none' | 'init' | 'L4OK' | 'L4CON' | 'L4TOUT' | 'L7OK' | 'L7STS' | 'L7TOUT' | 'L7RSP' | 'L7ERR' | 'PGOK' | 'PGERR';

export interface CheckInfo {
  code: CheckCode;
  /** Detail of the last check (status code, error code, duration, postgres role and lag). */
  detail: string;
  /** Wall-clock ms of the last state change (up/down), for /stats. */
  lastChange: number;
  lastCheck: number;
  /** The last postgres verdict (role, lag) of a `postgres` check. */
  postgres?: PostgresVerdict;
}

/** An open TCP session on the server, as the server sees it. */
export interface OpenSession {
  /** Bytes so far from the client, and to it. */
  bytes(): { in: number; out: number };
  /** Closes both sides now. */
  shutdown(): void;
}

/** How this server's upstream connections are made (from its backend's config). */
export interface UpstreamOptions {
  /** Idle sockets kept per server (native engine, http-proxy-3 engine's agent). */
  maxIdleSockets: number;
  /** Connect timeout of the native and undici engines, ms. */
  connectTimeout: number;
  /** The native and undici engines' wait for response headers, and between body chunks, ms (→ 504). */
  serverTimeout: number;
}

export class ServerRuntime {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The http-proxy-3 target of this server. */
  readonly target: URL;
  /** host:port as a Host header names it (for a client that sent none). */
  readonly authority: string;
  /** host:port as configured. */
  readonly address: string;
  readonly stats = new Stats();
  check: CheckInfo = { code: 'none', detail: 'no check', lastChange: Date.now(), lastCheck: 0 };
  /** TCP sessions open on this server. */
  readonly sessions = new Set<OpenSession>();
  /** Upstream keep-alive agent of the http-proxy-3 engine (created on first use). */
  private httpAgent: Agent | undefined;
  /** Upstream connection pool of the undici engine (created on first use). */
  private undiciPool: Pool | undefined;
  /** Upstream keep-alive connections of the native engine (created on first use). */
  private nativePool: UpstreamPool | undefined;
  /** Wall-clock ms of the last state change of any kind (admin, health, ejection). */
  lastChange = Date.now();

  constructor(readonly config: ServerConfig, readonly pool: PoolServer, private readonly upstreamOptions: UpstreamOptions) {
    const parsed = parseHostPort(config.address)!;
    this.name = config.name;
    this.address = config.address;
    this.host = parsed.host;
    this.port = parsed.port;
    this.authority = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
    this.target = new URL(`http://${this.authority}`);
  }

  /** The native engine's keep-alive connections to this server. */
  get connections(): UpstreamPool {
    this.nativePool ??= new UpstreamPool(this.host, this.port, {
      connectTimeout: this.upstreamOptions.connectTimeout,
      serverTimeout: this.upstreamOptions.serverTimeout,
      maxIdle: this.upstreamOptions.maxIdleSockets,
    });
    return this.nativePool;
  }

  get agent(): Agent {
    this.httpAgent ??= new Agent({
      keepAlive: true,
      keepAliveMsecs: 1000,
      maxFreeSockets: this.upstreamOptions.maxIdleSockets,
      scheduling: 'lifo',
    });
    return this.httpAgent;
  }

  /**
   * The undici engine's keep-alive connections to this server: one request per connection at a
   * time (no pipelining), no connection limit of its own (the balancer enforces maxconn), idle
   * connections kept as long as the server's Keep-Alive hint allows (else 4 s).
   */
  get upstream(): Pool {
    if (!this.undiciPool) {
      this.undiciPool = new Pool(this.target.origin, {
        connections: null,
        pipelining: 1,
        connect: { timeout: this.upstreamOptions.connectTimeout },
        headersTimeout: this.upstreamOptions.serverTimeout,
        bodyTimeout: this.upstreamOptions.serverTimeout,
      });
      this.undiciPool.on('connectionError', () => {}); // reported per request through the handler
    }
    return this.undiciPool;
  }

  /** Open upstream sockets (in use + idle) of either engine: the leak check of the tests. */
  openSockets(): { active: number; idle: number } {
    const count = (group: NodeJS.ReadOnlyDict<unknown[]> | undefined) =>
      Object.values(group ?? {}).reduce((n, list) => n + (list?.length ?? 0), 0);
    let active = 0;
    let idle = 0;
    if (this.httpAgent) {
      active += count(this.httpAgent.sockets);
      idle += count(this.httpAgent.freeSockets);
    }
    if (this.nativePool) {
      const counts = this.nativePool.counts();
      active += counts.active;
      idle += counts.idle;
    }
    if (this.undiciPool) {
      const stats = this.undiciPool.stats;
      active += stats.connected - stats.free;
      idle += stats.free;
    }
    return { active, idle };
  }

  /** HAProxy-like state for /stats: UP, DOWN, DRAIN, MAINT, plus transitional and ejection marks. */
  get state(): string {
    const p = this.pool;
    if (p.admin === 'maint') return 'MAINT';
    if (!p.checkUp) return 'DOWN';
    if (p.outlierState === 'ejected') return 'EJECTED';
    if (p.admin === 'drain') return 'DRAIN';
    return p.outlierState === 'half-open' ? 'UP (trial)' : 'UP';
  }

  /** Bytes of finished TCP sessions plus those of the open ones so far. */
  liveBytes(): { bytesIn: number; bytesOut: number } {
    let bytesIn = this.stats.bytesIn;
    let bytesOut = this.stats.bytesOut;
    for (const session of this.sessions) {
      const now = session.bytes();
      bytesIn += now.in;
      bytesOut += now.out;
    }
    return { bytesIn, bytesOut };
  }

  /** Closes every open TCP session now (on-marked-down shutdown-sessions); returns how many. */
  shutdownSessions(): number {
    const count = this.sessions.size;
    for (const session of this.sessions) session.shutdown();
    return count;
  }

  destroy(): void {
    this.httpAgent?.destroy();
    this.nativePool?.close();
    void this.undiciPool?.destroy().catch(() => {});
  }
}
