// The scheduler of one instance: node-cron 4 tasks coordinated through Redis so each tick runs
// on exactly one of N instances. The winner applies the starting deadline and the concurrency
// policy, then enqueues the tick's durable job (idempotency key per tick, a second safety net)
// or runs the inline handler, and records the outcome for `tiered cron list`.
import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask, type TaskContext } from 'node-cron';
import type { Redis } from 'ioredis';
import { createLogger } from '../../sdk/log/logger.js';
import { isJobDefinition, type JobDefinition } from '../job/define.js';
import { Producer } from '../producer.js';
import { producerConnection } from '../redis/connection.js';
import { RedisRunCoordinator } from './coordinator.js';
import { defineSchedule, type ScheduleDefinition, type ScheduleOptions, type Tick } from './define.js';
import { decideTick, tickJobKey, type TickDecision } from './policy.js';
import { scheduleKey, schedulesKey } from './state.js';

const log = createLogger('queue');

/** node-cron's own messages (e.g. a tick skipped because Redis was down) go to our logger. */
const cronLogger = {
  info: (message: string) => log.info({ source: 'node-cron' }, message),
  warn: (message: string) => log.warn({ source: 'node-cron' }, message),
  error: (message: string | Error, err?: Error) => log.error({ source: 'node-cron', err: (err ?? message as Error)?.message }, String(message instanceof Error ? message.message : message)),
  debug: (message: string | Error) => log.debug({ source: 'node-cron' }, String(message instanceof Error ? message.message : message)),
};

export interface SchedulerOptions {
  redis: string;
  prefix?: string;
  /** Producer for job ticks (default: one of its own on the same Redis). */
  producer?: Producer;
  /** Name of this instance in tick claims (default: pid + random). */
  instance?: string;
  now?: () => number;
}

interface Running {
  runId: string;
  controller: AbortController;
  renew?: NodeJS.Timeout;
}

export class Scheduler {
  readonly redis: Redis;
  readonly prefix: string;
  private readonly producer: Producer;
  private readonly ownsProducer: boolean;
  private readonly coordinator: RedisRunCoordinator;
  private readonly now: () => number;
  private readonly tasks = new Map<string, { def: ScheduleDefinition; task: ScheduledTask }>();
  private readonly running = new Map<string, Running>();

  constructor(options: SchedulerOptions) {
    this.prefix = options.prefix ?? 'tiered';
    this.redis = producerConnection(options.redis, { connectionName: 'tiered-cron' });
    this.ownsProducer = !options.producer;
    this.producer = options.producer ?? new Producer({ redis: this.redis, prefix: this.prefix });
    this.coordinator = new RedisRunCoordinator(this.redis, { prefix: this.prefix, owner: options.instance ?? `${process.pid}-${randomUUID().slice(0, 8)}` });
    this.now = options.now ?? Date.now;
    // (Re-)record the schedules whenever the connection becomes ready, for `tiered cron list`.
    this.redis.on('ready', () => {
      for (const { def, task } of this.tasks.values()) void this.register(def, task).catch(() => {});
    });
  }

  /** `schedule(name, pattern, job | handler, options)`: a job is enqueued per tick, a function runs inline. */
  schedule(name: string, pattern: string, handler: JobDefinition | ((tick: Tick) => unknown), options: Omit<ScheduleOptions, 'name' | 'pattern' | 'job' | 'run'> = {}): ScheduleDefinition {
    const def = defineSchedule({ ...options, name, pattern, ...(isJobDefinition(handler) ? { job: handler } : { run: handler }) });
    this.add(def);
    return def;
  }

  add(def: ScheduleDefinition): ScheduledTask {
    if (this.tasks.has(def.name)) throw new Error(`schedule "${def.name}" is already added`);
    const task = cron.schedule(def.pattern, (ctx: TaskContext) => this.tick(def, ctx.date), {
      name: def.name,
      timezone: def.timezone,
      distributed: true,
      runCoordinator: this.coordinator,
      distributedLease: def.leaseMs,
      suppressMissedWarning: true,
      logger: cronLogger,
    });
    this.tasks.set(def.name, { def, task });
    if (this.redis.status === 'ready') void this.register(def, task).catch(() => {});
    return task;
  }

  get schedules(): { def: ScheduleDefinition; nextRun: Date | null }[] {
    return [...this.tasks.values()].map(({ def, task }) => ({ def, nextRun: task.getNextRun() }));
  }

  private async register(def: ScheduleDefinition, task: ScheduledTask): Promise<void> {
    await this.redis.multi()
      .sadd(schedulesKey(this.prefix), def.name)
      .hset(scheduleKey(this.prefix, def.name), {
        pattern: def.pattern, timezone: def.timezone ?? '', concurrency: def.concurrency,
        kind: def.job ? `job ${def.job.name}` : 'inline', nextRun: task.getNextRun()?.toISOString() ?? '',
      })
      .exec();
  }

  /** One tick that this instance has won. */
  private async tick(def: ScheduleDefinition, fireTime: Date): Promise<void> {
    const record: Record<string, string> = { lastFire: fireTime.toISOString(), nextRun: this.tasks.get(def.name)?.task.getNextRun()?.toISOString() ?? '' };
    try {
      const decision = decideTick({ fireTime: fireTime.getTime(), now: this.now(), startingDeadlineMs: def.startingDeadlineMs, policy: def.concurrency, previousRunning: await this.previousRunning(def) });
      if (decision === 'skip-deadline' || decision === 'skip-overlap') {
        record.lastStatus = decision;
        log.info({ schedule: def.name, fireTime, decision }, 'tick skipped');
        return;
      }
      if (def.job) record.lastRef = await this.enqueueTick(def, def.job, fireTime, decision);
      else await this.runInline(def, fireTime, decision);
      record.lastStatus = 'ok';
      record.lastError = '';
    } catch (error) {
      record.lastStatus = 'failed';
      record.lastError = (error as Error)?.message ?? String(error);
      log.error({ schedule: def.name, fireTime, err: record.lastError }, 'tick failed');
    } finally {
      await this.redis.hset(scheduleKey(this.prefix, def.name), record).catch(() => {});
    }
  }

  private async previousRunning(def: ScheduleDefinition): Promise<boolean> {
    if (def.concurrency === 'allow') return false;
    if (!def.job) return (await this.redis.exists(this.runKey(def))) === 1;
    const lastRef = await this.redis.hget(scheduleKey(this.prefix, def.name), 'lastRef');
    if (!lastRef) return false;
    const status = await this.producer.status(lastRef);
    return status?.status === 'queued' || status?.status === 'active';
  }

  private async enqueueTick(def: ScheduleDefinition, job: JobDefinition, fireTime: Date, decision: TickDecision): Promise<string> {
    if (decision === 'replace') {
      // A still-queued previous job is removed; one already running is left to finish.
      const lastRef = await this.redis.hget(scheduleKey(this.prefix, def.name), 'lastRef');
      const id = lastRef?.slice(lastRef.indexOf(':') + 1);
      if (id) await this.producer.queue(job.name).remove(id).catch(() => 0);
    }
    const tick: Tick = { schedule: def.name, fireTime, signal: new AbortController().signal };
    const enqueued = await this.producer.enqueue(job, def.payload(tick) as never, { idempotencyKey: tickJobKey(def.name, fireTime) });
    return enqueued.ref;
  }

  private runKey(def: ScheduleDefinition): string {
    return `${scheduleKey(this.prefix, def.name)}:running`;
  }

  private async runInline(def: ScheduleDefinition, fireTime: Date, _decision: TickDecision): Promise<void> {
    const runId = randomUUID();
    const controller = new AbortController();
    const key = this.runKey(def);
    // The run claim: replaced by a later tick under 'replace', which this run notices on renewal.
    await this.redis.set(key, runId, 'PX', def.leaseMs);
    const run: Running = { runId, controller };
    this.running.set(runId, run);
    run.renew = setInterval(() => {
      void this.redis.get(key).then((owner) => {
        if (owner !== null && owner !== runId) controller.abort(new Error(`replaced by a later tick of ${def.name}`));
        else return this.redis.set(key, runId, 'PX', def.leaseMs, 'XX');
      }).catch(() => {});
    }, Math.max(250, Math.floor(def.leaseMs / 3)));
    try {
      await def.run!({ schedule: def.name, fireTime, signal: controller.signal });
    } finally {
      clearInterval(run.renew);
      this.running.delete(runId);
      // Release only our own claim (a replacing run owns the key now).
      await this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, key, runId).catch(() => {});
    }
  }

  /** Stops all tasks; inline runs in flight see their signal aborted. */
  async stop(): Promise<void> {
    for (const { task } of this.tasks.values()) await task.destroy();
    this.tasks.clear();
    for (const run of this.running.values()) { clearInterval(run.renew); run.controller.abort(new Error('scheduler stopped')); }
    if (this.ownsProducer) await this.producer.close();
    this.redis.disconnect();
  }
}
