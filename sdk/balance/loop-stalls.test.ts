import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopStalls } from './loop-stalls.js';
import { ServerPool } from './server-pool.js';

test('loop stalls: lateness over the threshold is a stall; within() is its overlap with a request', () => {
  const now = 1000;
  const stalls = new LoopStalls({ interval: 5, threshold: 4, clock: () => now });
  stalls.tick(1005); // on time
  stalls.tick(1012); // 2 ms late: jitter, not a stall
  stalls.tick(1047); // 30 ms late: a stall from 1017 to 1047
  assert.equal(stalls.within(1000, 1100), 30);
  assert.equal(stalls.within(1030, 1100), 17, 'a request started during the stall: only the part after its start');
  assert.equal(stalls.within(1000, 1020), 3, 'a request that ended during the stall');
  assert.equal(stalls.within(1047, 1100), 0, 'a request after the stall');
  assert.equal(stalls.within(900, 1016), 0, 'a request before it');
});

test('a stall while requests are in flight does not raise every server\'s latency estimate', () => {
  let now = 0;
  const clock = () => now;
  const stalls = new LoopStalls({ clock });
  const pool = new ServerPool([{ id: 'fast' }, { id: 'slow' }], { clock, stalls, decayTime: 2_000 });
  const fast = pool.get('fast')!;
  const slow = pool.get('slow')!;
  // The slow server: 20 ms; the fast one: 1 ms.
  let t = pool.begin(slow);
  now += 20;
  pool.end(slow, t, 'success');
  for (let i = 0; i < 10; i++) {
    t = pool.begin(fast);
    now += 1;
    pool.end(fast, t, 'success');
  }
  // A 30 ms stall while a request to the fast server is in flight.
  t = pool.begin(fast);
  stalls.tick(now); // the probe ran just before
  now += 31;
  stalls.tick(now);
  pool.end(fast, t, 'success');
  // What is left is at most the probe's interval (the stall is known to the probe's resolution).
  assert.ok(fast.ewma.lastEstimate()! <= 1 + stalls.interval, `fast estimate stays near 1 ms, got ${fast.ewma.lastEstimate()}`);
  assert.ok(fast.ewma.lastEstimate()! < slow.ewma.lastEstimate()!, 'the fast server still looks faster than the slow one');
  // Without the probe the stall would have set the fast server's estimate to 31 ms.
  const blind = new ServerPool([{ id: 'fast' }], { clock, decayTime: 2_000 });
  t = blind.begin(blind.get('fast')!);
  now += 31;
  blind.end(blind.get('fast')!, t, 'success');
  assert.ok(blind.get('fast')!.ewma.lastEstimate()! > 30);
});
