import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admit, Breaker, initialBreaker, onFailure, onSuccess } from './breaker.js';

const policy = { failureThreshold: 3, cooldownMs: 1000, maxCooldownMs: 4000 };

test('opens after N consecutive failures; a success in between resets the count', () => {
  let s = onFailure(initialBreaker, 0, policy);
  s = onFailure(s, 0, policy);
  assert.equal(s.mode, 'closed');
  s = onSuccess(s);
  s = onFailure(onFailure(s, 0, policy), 0, policy);
  assert.equal(s.mode, 'closed');
  s = onFailure(s, 10, policy);
  assert.deepEqual(s, { mode: 'open', until: 1010, cooldown: 1000 });
});

test('open refuses until the cool-down ends, then admits exactly one probe', () => {
  const open = { mode: 'open' as const, until: 1000, cooldown: 1000 };
  assert.equal(admit(open, 999).allow, false);
  const probe = admit(open, 1000);
  assert.equal(probe.allow, true);
  assert.equal(probe.state.mode, 'half-open');
  assert.equal(admit(probe.state, 1001).allow, false, 'a second caller waits for the probe');
});

test('a failed probe re-opens with a doubled, capped cool-down; a good probe closes', () => {
  let s = admit({ mode: 'open', until: 0, cooldown: 1000 }, 0).state;
  s = onFailure(s, 100, policy);
  assert.deepEqual(s, { mode: 'open', until: 2100, cooldown: 2000 });
  s = onFailure(admit(s, 2100).state, 2100, policy);
  s = onFailure(admit(s, 99_999).state, 99_999, policy);
  assert.equal(s.mode === 'open' && s.cooldown, 4000);
  assert.deepEqual(onSuccess(admit(s, 1e9).state), initialBreaker);
});

test('the Breaker shell follows the clock and reports mode changes', () => {
  let now = 0;
  const modes: string[] = [];
  const b = new Breaker(policy, () => now, (m) => modes.push(m));
  for (let i = 0; i < 3; i++) b.failure();
  assert.equal(b.admit(), false);
  now = 1000;
  assert.equal(b.admit(), true);
  b.success();
  assert.deepEqual(modes, ['open', 'half-open', 'closed']);
});
