// The runtime of one configured server, shared by HTTP and TCP mode: its balancing state (the
// sdk PoolServer), its address, its keep-alive agent (HTTP), its check status and its stats.
import { Agent } from 'node:http';
import type { PoolServer } from '../../sdk/balance/server-pool.js';
import { parseHostPort } from '../../sdk/config/schema.js';
import type { ServerConfig } from '../config.js';
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

export interface AgentOptions {
  maxIdleSockets: number;
}

export class ServerRuntime {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The http-proxy-3 target of this server. */
  readonly target: URL;
  readonly stats = new Stats();
  readonly check: CheckInfo = { status: 'none', detail: '', lastChange: Date.now(), lastCheck: 0 };
  /** Upstream keep-alive agent (created on first HTTP use). */
  private httpAgent: Agent | undefined;
  /** Wall-clock ms of the last state change of any kind (admin, health, ejection). */
  lastChange = Date.now();

  constructor(readonly config: ServerConfig, readonly pool: PoolServer, private readonly agentOptions: AgentOptions) {
    const parsed = parseHostPort(config.address)!;
    this.name = config.name;
    this.host = parsed.host;
    this.port = parsed.port;
    this.target = new URL(`http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`);
  }

  get agent(): Agent {
    this.httpAgent ??= new Agent({
      keepAlive: true,
      keepAliveMsecs: 1000,
      maxFreeSockets: this.agentOptions.maxIdleSockets,
      scheduling: 'lifo',
    });
    return this.httpAgent;
  }

  /** Open upstream sockets held by the agent (in use + idle): the leak check of the tests. */
  openSockets(): { active: number; idle: number } {
    const count = (group: NodeJS.ReadOnlyDict<unknown[]> | undefined) =>
      Object.values(group ?? {}).reduce((n, list) => n + (list?.length ?? 0), 0);
    if (!this.httpAgent) return { active: 0, idle: 0 };
    return { active: count(this.httpAgent.sockets), idle: count(this.httpAgent.freeSockets) };
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
  }
}
