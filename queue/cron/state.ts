// Where schedules record themselves in Redis, for `tiered cron list` and the queue view.
import type { Redis } from 'ioredis';

export const schedulesKey = (prefix: string): string => `${prefix}:cron:schedules`;
export const scheduleKey = (prefix: string, name: string): string => `${prefix}:cron:schedule:${name}`;

export interface ScheduleRecord {
  name: string;
  pattern: string;
  timezone: string;
  concurrency: string;
  kind: string;
  nextRun: string;
  lastFire: string;
  lastStatus: string;
  lastError: string;
  lastRef: string;
}

export async function readSchedules(redis: Redis, prefix: string): Promise<ScheduleRecord[]> {
  const names = (await redis.smembers(schedulesKey(prefix))).sort();
  const records = await Promise.all(names.map(async (name): Promise<Record<string, string>> => ({ ...(await redis.hgetall(scheduleKey(prefix, name))), name })));
  return records.map((r) => ({
    name: r.name, pattern: r.pattern ?? '', timezone: r.timezone ?? '', concurrency: r.concurrency ?? '', kind: r.kind ?? '',
    nextRun: r.nextRun ?? '', lastFire: r.lastFire ?? '', lastStatus: r.lastStatus ?? '', lastError: r.lastError ?? '', lastRef: r.lastRef ?? '',
  }));
}
