// Checks the Redis a queue runs on, at start: jobs are data, so an eviction policy other than
// noeviction is an error (Redis would silently drop queued jobs under memory pressure), and no
// persistence at all (no AOF, no RDB snapshots) is a warning (a restart loses every queued job).
import type { Redis } from 'ioredis';
import { RedisPolicyError } from '../errors.js';

export interface RedisSettings {
  maxmemoryPolicy: string;
  appendonly: string;
  save: string;
}

export interface RedisAssessment {
  errors: string[];
  warnings: string[];
}

/** Pure decision over the settings Redis reports. */
export function assessRedisSettings(settings: RedisSettings): RedisAssessment {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (settings.maxmemoryPolicy !== 'noeviction') {
    errors.push(`Redis maxmemory-policy is "${settings.maxmemoryPolicy}", queues need "noeviction" (CONFIG SET maxmemory-policy noeviction): otherwise Redis may evict queued jobs`);
  }
  if (settings.appendonly !== 'yes') {
    warnings.push(settings.save.trim()
      ? 'Redis AOF is off (appendonly no): jobs enqueued since the last RDB snapshot are lost if Redis restarts; set appendonly yes'
      : 'Redis has no persistence (appendonly no, no save points): a restart loses every queued job; set appendonly yes');
  }
  return { errors, warnings };
}

async function configValue(redis: Redis, name: string): Promise<string | undefined> {
  try {
    const reply = (await redis.call('CONFIG', 'GET', name)) as string[];
    return reply[1];
  } catch {
    return undefined; // CONFIG may be renamed or disabled on managed Redis
  }
}

/** Reads the settings and throws RedisPolicyError on errors; returns the warnings. */
export async function checkRedis(redis: Redis): Promise<string[]> {
  const [policy, appendonly, save] = await Promise.all([
    configValue(redis, 'maxmemory-policy'),
    configValue(redis, 'appendonly'),
    configValue(redis, 'save'),
  ]);
  if (policy === undefined) return ['could not read the Redis configuration (CONFIG GET is disabled): make sure maxmemory-policy is noeviction and AOF is on'];
  const { errors, warnings } = assessRedisSettings({ maxmemoryPolicy: policy, appendonly: appendonly ?? 'no', save: save ?? '' });
  if (errors.length) throw new RedisPolicyError(errors.join('; '));
  return warnings;
}
