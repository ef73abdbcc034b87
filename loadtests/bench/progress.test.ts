import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEta, Progress, renderBar } from './progress.js';

test('renderBar and formatEta', () => {
  assert.equal(renderBar(0.5, 10), '[#####-----]  50%');
  assert.equal(renderBar(2, 4), '[####] 100%');
  assert.equal(formatEta(65_000), '1m05s');
  assert.equal(formatEta(-5), '0s');
});

test('progress follows planned time; without a terminal it prints one line per step', () => {
  let now = 0;
  const out: string[] = [];
  const progress = new Progress(10_000, { stream: { write: (s: string) => out.push(s), isTTY: false }, now: () => now });
  progress.step('a warm-up', 2000);
  now = 1000;
  assert.equal(progress.fraction(), 0.1);
  now = 5000; // a step that overruns its plan does not push past its share
  assert.equal(progress.fraction(), 0.2);
  progress.step('a round 1/1', 8000);
  now = 9000;
  assert.equal(progress.fraction(), 0.6);
  progress.log('note');
  progress.finish();
  assert.deepEqual(out, ['[--------------------]   0% a warm-up\n', '[####----------------]  20% a round 1/1\n', 'note\n']);
});

test('a silent progress prints nothing', () => {
  const out: string[] = [];
  const progress = new Progress(1000, { stream: { write: (s: string) => out.push(s) }, silent: true });
  progress.step('x', 10);
  progress.log('y');
  progress.finish();
  assert.deepEqual(out, []);
});
