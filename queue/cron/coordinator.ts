// node-cron 4's RunCoordinator on Redis: every instance computes the same per-fire key
// (`<schedule name>:<fire time ISO>`); the first `SET key NX PX lease` wins the tick, the
// others skip it. The key outlives the run (`keep`), so an instance that reaches the tick late
// (slow timer, restarted process) cannot run it a second time.
import type { Redis } from 'ioredis';
import type { RunCoordinator } from 'node-cron';

export interface RedisRunCoordinatorOptions {
  prefix?: string;
  /** Identifies this instance in the claim (for debugging: GET the tick key). */
  owner?: string;
  /** How long a finished tick's claim is kept (default 10 min). */
  keepMs?: number;
}

export class RedisRunCoordinator implements RunCoordinator {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly owner: string;
  private readonly keepMs: number;

  constructor(redis: Redis, options: RedisRunCoordinatorOptions = {}) {
    this.redis = redis;
    this.prefix = options.prefix ?? 'tiered';
    this.owner = options.owner ?? `${process.pid}`;
    this.keepMs = options.keepMs ?? 600_000;
  }

  tickKey(key: string): string {
    return `${this.prefix}:cron:tick:${key}`;
  }

  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    // Claim for the longer of the lease and the keep time: a tick is never handed to a second
    // instance, even if the winner dies mid-run (a durable job carries the work, not the claim).
    const reply = await this.redis.set(this.tickKey(key), this.owner, 'PX', Math.max(ttlMs, this.keepMs), 'NX');
    return reply === 'OK';
  }
}
