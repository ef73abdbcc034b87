// The active health checker of one HTTP-mode backend: one check loop per server, the sdk
// rise/fall state machine, and the result reported to the pool through its one-method seam
// (setHealthy). `maint` servers are not checked. A listener hears every up/down change (the
// cluster primary broadcasts them to the workers).
import { initialCheckState, nextCheckDelay, nextCheckState, type CheckState } from '../../sdk/health/check-state.js';
import type { Logger } from '../../sdk/log/logger.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server.js';
import type { CheckConfig } from '../config.js';
import { probeHttp, probeTcp, type ProbeResult } from './probes.js';

export type HealthListener = (backend: string, server: string, up: boolean) => void;

export class ActiveHealthChecker {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly states = new Map<string, CheckState>();
  private stopped = false;

  constructor(
    private readonly backend: BackendRuntime,
    private readonly check: Exclude<CheckConfig, { type: 'postgres' }>,
    private readonly log: Logger,
    private readonly onChange?: HealthListener,
  ) {}

  get backendName(): string {
    return this.backend.name;
  }

  /** Starts every loop; resolves after the first check of each server. */
  async start(): Promise<void> {
    await Promise.all([...this.backend.servers.values()].map(async (server) => {
      server.check.status = 'init';
      this.states.set(server.name, initialCheckState(server.pool.checkUp));
      await this.runOnce(server);
    }));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private async runOnce(server: ServerRuntime): Promise<void> {
    if (this.stopped) return;
    if (server.pool.admin !== 'maint') {
      const result = await this.probe(server);
      if (this.stopped) return;
      this.apply(server, result);
    }
    this.schedule(server);
  }

  private schedule(server: ServerRuntime): void {
    const c = this.check;
    const delay = nextCheckDelay(this.states.get(server.name)!, {
      interval: c.interval,
      fastInterval: c.fastInterval ?? c.interval,
      downInterval: c.downInterval ?? c.interval,
    });
    const timer = setTimeout(() => void this.runOnce(server), delay);
    timer.unref();
    this.timers.set(server.name, timer);
  }

  private probe(server: ServerRuntime): Promise<ProbeResult> {
    const c = this.check;
    if (c.type === 'http') return probeHttp(server.host, server.port, c);
    return probeTcp(server.host, server.port, c.timeout);
  }

  private apply(server: ServerRuntime, result: ProbeResult): void {
    const before = this.states.get(server.name)!;
    const { state, transition } = nextCheckState(before, result.passed, { rise: this.check.rise, fall: this.check.fall });
    this.states.set(server.name, state);
    server.check.status = result.status;
    server.check.detail = result.detail;
    server.check.lastCheck = Date.now();
    if (transition !== 'changed') return;
    server.check.lastChange = Date.now();
    this.backend.pool.setHealthy(server.name, state.up);
    this.log.warn({ backend: this.backend.name, server: server.name, check: result.status, detail: result.detail },
      `server ${this.backend.name}/${server.name} is ${state.up ? 'UP' : 'DOWN'} (${result.status}: ${result.detail})`);
    this.onChange?.(this.backend.name, server.name, state.up);
  }
}
