import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialCheckState, nextCheckDelay, nextCheckState, type CheckState } from './check-state.js';

const limits = { rise: 2, fall: 3 };
const intervals = { interval: 2_000, fastInterval: 500, downInterval: 5_000 };

function run(state: CheckState, results: boolean[]) {
  const transitions: string[] = [];
  for (const passed of results) {
    const next = nextCheckState(state, passed, limits);
    state = next.state;
    transitions.push(next.transition);
  }
  return { state, transitions };
}

test('up goes down after `fall` failures in a row', () => {
  const { state, transitions } = run(initialCheckState(true), [false, false, false]);
  assert.equal(state.up, false);
  assert.deepEqual(transitions, ['pending', 'pending', 'changed']);
});

test('a pass in between resets the failure streak', () => {
  assert.equal(run(initialCheckState(true), [false, false, true, false, false]).state.up, true);
});

test('down comes up after `rise` passes in a row', () => {
  const { state, transitions } = run(initialCheckState(false), [true, false, true, true]);
  assert.equal(state.up, true);
  assert.deepEqual(transitions, ['pending', 'unchanged', 'pending', 'changed']);
});

test('check delays: interval when steady, fastInterval while transitioning, downInterval while down', () => {
  assert.equal(nextCheckDelay({ up: true, streak: 0 }, intervals), 2_000);
  assert.equal(nextCheckDelay({ up: true, streak: 1 }, intervals), 500);
  assert.equal(nextCheckDelay({ up: false, streak: 1 }, intervals), 500);
  assert.equal(nextCheckDelay({ up: false, streak: 0 }, intervals), 5_000);
});
