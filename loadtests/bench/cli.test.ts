import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchOptions, BenchUsageError, resolveSuiteNames } from './cli.js';
import { haproxyConfig } from './peers/haproxy.js';
import { listSuites, loadSuite } from './registry.js';
import { roundOrder, scenarioProblems } from './runner.js';
import { pendingPeer } from './suite.js';

test('benchOptions: full and quick defaults, parsed durations, bad values rejected', () => {
  assert.deepEqual(benchOptions({}), { quick: false, durationMs: 10_000, warmupMs: 3000, rounds: 3, rate: 1000, connections: 32, workers: 1 });
  const quick = benchOptions({ quick: true, duration: '2s', rate: '500' });
  assert.equal(quick.durationMs, 2000);
  assert.equal(quick.rounds, 1);
  assert.equal(quick.rate, 500);
  assert.throws(() => benchOptions({ rounds: '0' }), BenchUsageError);
  assert.throws(() => benchOptions({ rate: 'fast' }), /--rate: expected a positive integer, got 'fast'/);
  assert.throws(() => benchOptions({ duration: 'soon' }), /--duration/);
});

test('resolveSuiteNames: all, explicit, unknown, none', () => {
  const known = ['cache', 'gateway'];
  assert.deepEqual(resolveSuiteNames(['all'], known, false), known);
  assert.deepEqual(resolveSuiteNames([], known, true), known);
  assert.deepEqual(resolveSuiteNames(['gateway'], known, false), ['gateway']);
  assert.throws(() => resolveSuiteNames(['nope'], known, false), /unknown suite nope \(known: cache, gateway\)/);
  assert.throws(() => resolveSuiteNames([], known, false), /name a suite/);
});

test('rounds are interleaved and counterbalanced: A B C, then C B A', () => {
  assert.deepEqual(roundOrder(['a', 'b', 'c'], 1), ['a', 'b', 'c']);
  assert.deepEqual(roundOrder(['a', 'b', 'c'], 2), ['c', 'b', 'a']);
  assert.deepEqual(roundOrder(['a', 'b', 'c'], 3), ['a', 'b', 'c']);
});

test('the gateway suite is found by file name and loads', async () => {
  assert.ok(listSuites().includes('gateway'));
  const suite = await loadSuite('gateway');
  assert.equal(suite.name, 'gateway');
  await assert.rejects(loadSuite('no-such-suite'), /unknown suite 'no-such-suite'/);
  await assert.rejects(loadSuite('../etc'), /bad suite name/);
});

test('haproxyConfig: nbthread, loopback bind, balance, one server line per upstream', () => {
  const cfg = haproxyConfig({ servers: ['127.0.0.1:1', '127.0.0.1:2'], balance: 'leastconn', port: 9, threads: 2 });
  assert.match(cfg, /nbthread 2/);
  assert.match(cfg, /bind 127\.0\.0\.1:9/);
  assert.match(cfg, /balance leastconn/);
  assert.match(cfg, /server s0 127\.0\.0\.1:1\n {2}server s1 127\.0\.0\.1:2/);
  assert.match(cfg, /http-reuse always/);
  const tcp = haproxyConfig({ servers: ['127.0.0.1:5432'], mode: 'tcp', port: 9, threads: 1, serverOptions: 'check' });
  assert.match(tcp, /mode tcp/);
  assert.doesNotMatch(tcp, /http-reuse/);
  assert.match(tcp, /server s0 127\.0\.0\.1:5432 check/);
});

test('scenarioProblems catches declaration mistakes before anything starts', () => {
  const peer = (name: string) => pendingPeer(name, 'x');
  const base = { name: 'lat', title: 't', unit: 'req', model: 'open' as const, measure: async () => ({ operations: 0, elapsedMs: 1 }) };
  assert.deepEqual(scenarioProblems({ ...base, peers: [peer('a'), peer('b')], subject: 'a', baseline: 'b', compare: ['p99'] }), []);
  const bad = scenarioProblems({ ...base, name: 'bad name', peers: [peer('a'), peer('a')], subject: 'tiered', baseline: 'direct', compare: ['hits'] });
  assert.equal(bad.length, 5);
  assert.match(bad.join('\n'), /duplicate peer names: a/);
  assert.match(bad.join('\n'), /subject 'tiered' is not one of the peers/);
  assert.match(bad.join('\n'), /compare 'hits' is neither a figure nor an extra column/);
  assert.deepEqual(scenarioProblems({ ...base, peers: [peer('a')], compare: ['hits'], extraColumns: [{ key: 'hits', label: 'hits' }] }), []);
});
