// The native engine's keep-alive connections to one server: idle connections are reused most
// recently used first (the warmest socket, and the rest age out), a new one is opened when none is
// idle (the balancer's maxconn bounds how many are busy), and idle ones are closed before the
// server's own keep-alive timeout can race a request (its Keep-Alive hint minus 1 s, else 4 s),
// or when more than `maxIdle` sit idle.
import { UpstreamConnection, type ConnectionOwner } from './upstream-connection.js';

export interface UpstreamPoolOptions {
  connectTimeout: number;
  /** Wait for response bytes (headers, then between body chunks), ms → 504. */
  serverTimeout: number;
  /** Idle connections kept at most. */
  maxIdle: number;
}

/** How often idle connections are looked at, ms (they are closed 0–250 ms after their idle time). */
const SWEEP_INTERVAL = 250;

export class UpstreamPool implements ConnectionOwner {
  readonly connectTimeout: number;
  readonly serverTimeout: number;
  private readonly maxIdle: number;
  /** Idle connections, the most recently used last. */
  private readonly idle: UpstreamConnection[] = [];
  private open = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(readonly host: string, readonly port: number, options: UpstreamPoolOptions) {
    this.connectTimeout = options.connectTimeout;
    this.serverTimeout = options.serverTimeout;
    this.maxIdle = options.maxIdle;
  }

  /** A connection for one request: the most recently used idle one, else a new one. */
  take(): UpstreamConnection {
    const reused = this.idle.pop();
    if (reused) return reused;
    this.open++;
    return new UpstreamConnection(this);
  }

  release(connection: UpstreamConnection): void {
    if (this.closing || this.idle.length >= this.maxIdle || connection.idleMs <= 0) {
      connection.destroy();
      return;
    }
    connection.idleSince = performance.now();
    this.idle.push(connection);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL);
      this.sweeper.unref();
    }
  }

  forget(connection: UpstreamConnection): void {
    this.open--;
    const at = this.idle.lastIndexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }

  /** Connections in use and idle (the leak check of the tests, /stats). */
  counts(): { active: number; idle: number } {
    return { active: this.open - this.idle.length, idle: this.idle.length };
  }

  /** Closes the idle connections now and each busy one when its response is complete. */
  close(): void {
    this.closing = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
    this.stopSweeping();
  }

  private sweep(): void {
    const now = performance.now();
    let i = 0;
    while (i < this.idle.length) {
      const connection = this.idle[i];
      if (now - connection.idleSince >= connection.idleMs) {
        this.idle.splice(i, 1);
        connection.destroy();
      } else i++;
    }
    if (this.idle.length === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
