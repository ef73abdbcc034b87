import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthChecker } from './health-checker.js';

function recorder() {
  const calls: [string, boolean][] = [];
  return { calls, setHealthy: (id: string, up: boolean) => { calls.push([id, up]); } };
}

test('checkAll applies rise/fall and reports only transitions', async () => {
  const sink = recorder();
  let healthy = true;
  const checker = new HealthChecker(sink, { rise: 2, fall: 3 });
  checker.add({ id: 'a', probe: async () => healthy });
  assert.deepEqual(sink.calls, [['a', true]]);
  healthy = false;
  await checker.checkAll();
  await checker.checkAll();
  assert.equal(sink.calls.length, 1);
  await checker.checkAll();
  assert.deepEqual(sink.calls.at(-1), ['a', false]);
  healthy = true;
  await checker.checkAll();
  assert.equal(checker.status('a')!.up, false);
  await checker.checkAll();
  assert.deepEqual(sink.calls.at(-1), ['a', true]);
  assert.equal(checker.status('a')!.checks, 5);
});

test('a probe that hangs past the timeout counts as failed; a throwing probe too', async () => {
  const sink = recorder();
  const checker = new HealthChecker(sink, { fall: 1, timeout: 20 });
  checker.add({ id: 'hang', probe: (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(true))) });
  checker.add({ id: 'throw', probe: async () => { throw new Error('boom'); } });
  await checker.checkAll();
  assert.equal(checker.status('hang')!.up, false);
  assert.equal(checker.status('throw')!.up, false);
});

test('timers run the checks on their own and stop cleanly', async () => {
  const sink = recorder();
  let probes = 0;
  const checker = new HealthChecker(sink, { interval: 10, fall: 2 });
  checker.add({ id: 'a', probe: async () => { probes++; return false; } });
  checker.start();
  const deadline = Date.now() + 5_000;
  while (checker.status('a')!.up && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  checker.stop();
  assert.equal(checker.status('a')!.up, false);
  const seen = probes;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(probes, seen, 'checks continued after stop()');
});

test('initialUp: false starts servers down until rise checks pass', async () => {
  const sink = recorder();
  const checker = new HealthChecker(sink, { initialUp: false, rise: 2 });
  checker.add({ id: 'a', probe: async () => true });
  assert.deepEqual(sink.calls, [['a', false]]);
  await checker.checkAll();
  await checker.checkAll();
  assert.deepEqual(sink.calls.at(-1), ['a', true]);
});
