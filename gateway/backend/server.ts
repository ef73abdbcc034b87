// The runtime of one configured server, shared by HTTP and TCP mode: its balancing state (the
// sdk PoolServer), its address, its upstream connections (HTTP: the native engine's keep-alive
// pool, an undici Pool, or a node:http keep-alive agent for the http-proxy-3 engine), its check
// status and its stats.
import { Agent } from 'node:http';
import { Pool } from 'undici';
import type { PoolServer } from '../../sdk/balance/server-pool.js';
import { parseHostPort } from '../../sdk/config/schema.js';
import type { ServerConfig } from '../config.js';
import { UpstreamPool } from '../upstream/upstream-pool.js';
import { Stats } from './stats.js';

export type CheckStatus = 'none' | 'init' | 'L4OK' | 'L4CON' | 'L4TOUT' | 'L7OK' | 'L7STS' | 'L7TOUT' | 'L7RSP' | 'L7ERR';

export interface CheckInfo {
  status: CheckStatus;
  /** Detail of the last check (status code, error code, duration). */
  detail: string;
  /** Wall-clock ms of the last state change (up/down), for /stats. */
  lastChange: number;
  lastCheck: number;
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
  readonly stats = new Stats();
  readonly check: CheckInfo = { status: 'none', detail: '', lastChange: Date.now(), lastCheck: 0 };
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

  destroy(): void {
    this.httpAgent?.destroy();
    this.nativePool?.close();
    void this.undiciPool?.destroy().catch(() => {});
  }
}
