import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { formatIssues } from '../sdk/config/schema.js';
import { queueConfigSchema } from './config.js';
import { collectDefinitions, selectJobs } from './modules.js';
import { defineJob } from './job/define.js';
import { defineSchedule } from './cron/define.js';
import { JobDefinitionError } from './errors.js';

test('queue config: defaults and durations', () => {
  const config = queueConfigSchema.parse({ worker: { shutdownGrace: '5s', concurrency: 8 }, deadLetters: { count: 100, age: '7d' } });
  assert.equal(config.redis, 'redis://127.0.0.1:6379');
  assert.equal(config.worker.shutdownGrace, 5_000);
  assert.equal(config.worker.lockDuration, 30_000);
  assert.deepEqual(config.deadLetters, { count: 100, age: 7 * 86_400_000 });
});

test('queue config: a bad field names its path', () => {
  const result = queueConfigSchema.safeParse({ redis: 'http://x', worker: { concurrency: 0, shutdownGrace: 'soon' } });
  assert.ok(!result.success);
  const lines = formatIssues(result.error, ['queue']).join('\n');
  assert.match(lines, /queue\.redis: expected redis:\/\/… or rediss:\/\/…, got "http:\/\/x"/);
  assert.match(lines, /queue\.worker\.concurrency: /);
  assert.match(lines, /queue\.worker\.shutdownGrace: expected a duration/);
});

test('job modules: definitions found in exports, arrays and bundles; duplicates refused', () => {
  const a = defineJob({ name: 'a', schema: z.object({}), handler: () => {} });
  const b = defineJob({ name: 'b', schema: z.object({}), handler: () => {} });
  const s = defineSchedule({ name: 's', pattern: '* * * * *', job: b });
  const found = collectDefinitions([{ source: 'm.ts', exports: { a, list: [s], bundle: { jobs: [a] }, other: 42 } }]);
  assert.deepEqual([...found.jobs.keys()].sort(), ['a', 'b']);
  assert.deepEqual([...found.schedules.keys()], ['s']);
  assert.deepEqual(selectJobs(found, ['b']).map((j) => j.name), ['b']);
  assert.throws(() => selectJobs(found, ['zzz']), /unknown job\(s\) zzz \(defined: a, b\)/);
  const a2 = defineJob({ name: 'a', schema: z.object({}), handler: () => {} });
  assert.throws(() => collectDefinitions([{ source: 'm.ts', exports: { a } }, { source: 'n.ts', exports: { a2 } }]), JobDefinitionError);
});
