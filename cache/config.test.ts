import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheConfigSchema, cacheOptionsFromConfig } from './config.js';
import { formatIssues } from '../sdk/config/schema.js';

const problems = (raw: unknown) => {
  const result = cacheConfigSchema.safeParse(raw, { reportInput: true });
  return result.success ? [] : formatIssues(result.error, ['cache']);
};

test('defaults: memory store, L1 on, 5m ttl', () => {
  const config = cacheConfigSchema.parse({});
  assert.equal(config.ttl, 300_000);
  assert.equal(config.namespace, 'tiered');
  assert.deepEqual(cacheOptionsFromConfig(config).store, { memory: { maxEntries: 100_000, maxBytes: 67_108_864, maxItemSize: undefined } });
});

test('durations and sizes are parsed; a memcached store becomes createCache options', () => {
  const config = cacheConfigSchema.parse({
    namespace: 'app', ttl: '10m', grace: '1h', store: { memcached: ['127.0.0.1:11211'], maxItemSize: '512kb' },
    bus: { redis: 'redis://127.0.0.1:6379' }, outbox: { db: 'postgres://127.0.0.1/app' },
  });
  const options = cacheOptionsFromConfig(config);
  assert.equal(options.ttl, 600_000);
  assert.equal(options.grace, 3_600_000);
  assert.deepEqual(options.store, { memcached: ['127.0.0.1:11211'], maxItemSize: 524_288, timeout: 500 });
  assert.equal(config.outbox?.pollInterval, 5000);
});

test('bad fields are reported with their path', () => {
  assert.deepEqual(problems({ ttl: 'soon' }), ['cache.ttl: expected a duration like 150ms, 2s or 5m, got "soon"']);
  assert.match(problems({ store: { memcached: ['nohost'] } })[0], /^cache\.store\.memcached\[0\]: expected host:port, got "nohost"/);
  assert.match(problems({ store: { memcached: ['a:1'], redis: 'redis://x:1' } })[0], /^cache\.store: expected exactly one of memcached, redis, memory, got memcached and redis/);
  assert.match(problems({ bus: { redis: 'http://x' } })[0], /^cache\.bus\.redis: expected redis:\/\/…/);
  assert.match(problems({ jitter: 2 })[0], /^cache\.jitter:/);
  assert.match(problems({ colour: 'blue' })[0], /^cache: unknown field\(s\) colour/);
});
