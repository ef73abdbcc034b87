import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateEnv } from './interpolate.js';
import { parseConfigText } from './load.js';
import { ConfigError } from '../../sdk/errors.js';

test('${VAR} and ${VAR:-default} are interpolated; $${ escapes', () => {
  const { text, missing } = interpolateEnv('a: ${A}\nb: ${B:-two}\nc: $${C}\nd: ${D:-}', { A: 'one' });
  assert.equal(text, 'a: one\nb: two\nc: ${C}\nd: ');
  assert.deepEqual(missing, []);
});

test('an unset variable with no default is reported with its line', () => {
  const { missing } = interpolateEnv('x: 1\ny: ${NOPE}', {});
  assert.equal(missing.length, 1);
  assert.match(missing[0], /\$\{NOPE\} on line 2/);
  assert.throws(() => parseConfigText('y: ${NOPE}', 't.yaml', {}), (e: ConfigError) => e instanceof ConfigError && /NOPE/.test(e.message));
});

test('unknown top-level sections are named', () => {
  assert.throws(() => parseConfigText('gatewya: {}\n', 't.yaml', {}), (e: ConfigError) => {
    assert.match(e.problems.join('\n'), /unknown field\(s\) gatewya/);
    return true;
  });
});

test('every bad field is reported with its path and what was expected', () => {
  const yaml = [
    'stack:',
    '  redis: { port: "x" }',
    '  memcached: { count: 99 }',
    'telemetry:',
    '  exporter: zipkin',
    '  prometheus: { listen: "nope" }',
  ].join('\n');
  assert.throws(() => parseConfigText(yaml, 'bad.yaml', {}), (e: ConfigError) => {
    const text = e.problems.join('\n');
    assert.match(text, /stack\.redis\.port: expected number, got "x"/);
    assert.match(text, /stack\.memcached\.count: /);
    assert.match(text, /telemetry\.exporter: expected one of "prometheus", "otlp", "console", "none", got "zipkin"/);
    assert.match(text, /telemetry\.prometheus\.listen: expected host:port, got "nope"/);
    assert.equal(e.problems.length, 4);
    return true;
  });
});

test('defaults are filled and env values land in the resolved config', () => {
  const config = parseConfigText('telemetry:\n  enabled: true\n  serviceName: ${SVC:-shop}\n', 't.yaml', {});
  assert.equal(config.telemetry?.serviceName, 'shop');
  assert.equal(config.telemetry?.exporter, 'prometheus');
  assert.equal(config.telemetry?.prometheus.listen, '127.0.0.1:9464');
});

test('YAML syntax errors are config errors, not crashes', () => {
  assert.throws(() => parseConfigText('a: [1, 2\n', 't.yaml', {}), ConfigError);
});

test('comment lines are not interpolated', () => {
  const { text, missing } = interpolateEnv('# use ${VAR} here\na: ${A:-1}', {});
  assert.deepEqual(missing, []);
  assert.equal(text, '# use ${VAR} here\na: 1');
});
