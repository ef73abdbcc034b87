// Picker-specific behaviour beyond the contract.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from '../random.js';
import type { Candidate } from './candidate.js';
import { createPicker } from './create-picker.js';
import { createHashPicker, hash32 } from './hash.js';
import { ewmaCost, pickFastest } from './p2c-ewma.js';
import { newRoundRobinState, pickRoundRobin } from './roundrobin.js';

type S = { id: string; weight: number; inFlight: number; maxconn: number; latency?: number };
const make = (n: number, extra: Partial<S> = {}): S[] =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i}`, weight: 1, inFlight: 0, maxconn: 0, ...extra }));

describe('roundrobin', () => {
  test('is smooth: weights 5:1:1 interleave instead of bursting', () => {
    const pool = make(3);
    pool[0].weight = 5;
    const state = newRoundRobinState();
    const order = Array.from({ length: 7 }, () => pickRoundRobin(pool, state)!.id);
    assert.deepEqual(order, ['s0', 's0', 's1', 's0', 's2', 's0', 's0']);
  });
});

describe('leastconn', () => {
  test('prefers the server with the fewest in-flight requests per weight', () => {
    const pool = make(3);
    pool[0].inFlight = 4;
    pool[1].inFlight = 1;
    pool[2].inFlight = 3;
    pool[2].weight = 4; // (3+1)/4 = 1 < (1+1)/1
    assert.equal(createPicker('leastconn', { rng: seededRng(1) }).pick(pool)!.id, 's2');
  });
});

describe('p2c-ewma', () => {
  test('moves load away from a slow host', () => {
    const pool = make(3, { latency: 10 });
    pool[2].latency = 200;
    const picker = createPicker('p2c-ewma', { rng: seededRng(3) });
    const counts = new Map<string, number>();
    for (let i = 0; i < 3_000; i++) {
      const s = picker.pick(pool)!;
      counts.set(s.id, (counts.get(s.id) ?? 0) + 1);
    }
    // P2C: the slow host wins only when drawn twice, which it cannot be (distinct draws) → 0.
    assert.ok((counts.get('s2') ?? 0) < 3_000 * 0.05, `slow host got ${counts.get('s2')}`);
  });

  test('an unmeasured idle host is explored, an unmeasured busy host is penalized', () => {
    const idle: Candidate = { id: 'n', weight: 1, inFlight: 0, maxconn: 0 };
    const busy: Candidate = { id: 'n', weight: 1, inFlight: 2, maxconn: 0 };
    const measured: Candidate = { id: 'm', weight: 1, inFlight: 0, maxconn: 0, latency: 5 };
    assert.ok(ewmaCost(idle, 60_000) < ewmaCost(measured, 60_000));
    assert.ok(ewmaCost(busy, 60_000) > ewmaCost({ ...measured, latency: 1_000, inFlight: 5 }, 60_000));
  });

  test('a decayed estimate buys an idle slow host one probe, not a burst', () => {
    // 20 ms as last measured, decayed to 0.5 ms after a long idle; the fast host answers in 2 ms.
    const pool = make(2, { latency: 2 });
    Object.assign(pool[1], { latency: 0.5, measuredLatency: 20 });
    const picker = createPicker('p2c-ewma', { rng: seededRng(7) });
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) {
      const s = picker.pick(pool)!;
      s.inFlight++; // nobody answers within these ten picks
      sent.push(s.id);
    }
    assert.equal(sent.filter((id) => id === 's1').length, 1, sent.join(','));
    assert.equal(sent[0], 's1', 'the probe goes first');
  });

  test('in-flight load counts: an equally fast but busy host loses', () => {
    const pool = make(2, { latency: 10 });
    pool[0].inFlight = 9;
    const picker = createPicker('p2c-ewma', { rng: seededRng(5) });
    for (let i = 0; i < 50; i++) assert.equal(picker.pick(pool)!.id, 's1');
  });
});

describe('hash (consistent, bounded load)', () => {
  test('the same key goes to the same server', () => {
    const pool = make(5);
    const picker = createHashPicker(seededRng(1));
    for (let i = 0; i < 200; i++) assert.equal(picker.pick(pool, { key: `user-${i}` }), picker.pick(pool, { key: `user-${i}` }));
  });

  test('adding a host remaps about 1/(n+1) of the keys, and only onto the new host', () => {
    const before = make(4);
    const after = [...before, { id: 's4', weight: 1, inFlight: 0, maxconn: 0 }];
    const a = createHashPicker(seededRng(1), { balanceFactor: 0 });
    const b = createHashPicker(seededRng(1), { balanceFactor: 0 });
    let moved = 0;
    const keys = 20_000;
    for (let i = 0; i < keys; i++) {
      const key = `10.0.${i >> 8}.${i & 255}`;
      const x = a.pick(before, { key })!.id;
      const y = b.pick(after, { key })!.id;
      if (x !== y) {
        moved++;
        assert.equal(y, 's4', 'a key moved between two old hosts');
      }
    }
    const share = moved / keys;
    assert.ok(share > 0.14 && share < 0.26, `moved share ${share.toFixed(3)}, expected ≈ 0.2`);
  });

  test('bounded load caps a hot key: it spills to other servers instead of piling up', () => {
    const pool = make(4);
    const picker = createHashPicker(seededRng(1), { balanceFactor: 1.25 });
    const home = picker.pick(pool, { key: 'hot' })!;
    for (let i = 0; i < 100; i++) picker.pick(pool, { key: 'hot' })!.inFlight++;
    const total = 100;
    const cap = Math.ceil((1.25 * total) / 4);
    assert.ok(home.inFlight <= cap, `home server carries ${home.inFlight} > cap ${cap}`);
    for (const s of pool) assert.ok(s.inFlight <= cap);
  });

  test('without the bound, a hot key stays on one server', () => {
    const pool = make(4);
    const picker = createHashPicker(seededRng(1), { balanceFactor: 0 });
    for (let i = 0; i < 100; i++) picker.pick(pool, { key: 'hot' })!.inFlight++;
    assert.equal(Math.max(...pool.map((s) => s.inFlight)), 100);
  });

  test('hash32 scatters similar keys', () => {
    assert.notEqual(hash32('a'), hash32('b'));
    assert.ok(Math.abs(hash32('key1') - hash32('key2')) > 1_000);
  });
});

describe('first', () => {
  test('fills the first server up to maxconn, then the next', () => {
    const pool = make(3, { maxconn: 2 });
    const picker = createPicker('first');
    const order = Array.from({ length: 5 }, () => {
      const s = picker.pick(pool)!;
      s.inFlight++;
      return s.id;
    });
    assert.deepEqual(order, ['s0', 's0', 's1', 's1', 's2']);
  });
});

describe('pickFastest (hedge target)', () => {
  test('takes the lowest latency estimate even when it is busier: an idle slow server is not cheap for a late request', () => {
    const pool = make(3);
    Object.assign(pool[0], { latency: 2, inFlight: 3 });
    Object.assign(pool[1], { latency: 6, inFlight: 0 });
    Object.assign(pool[2], { latency: 2.5, inFlight: 0 });
    assert.equal(pickFastest(pool)!.id, 's0');
    // P2C's cost can rank them the other way round
    // (with Finagle's in-flight bias of 1)
    assert.ok(ewmaCost(pool[1], 60_000, 1) < ewmaCost(pool[0], 60_000, 1));
  });
  test('ties go to fewer in flight; unmeasured servers only when nothing is measured', () => {
    const pool = make(3);
    Object.assign(pool[0], { latency: 3, inFlight: 2 });
    Object.assign(pool[1], { latency: 3, inFlight: 1 });
    assert.equal(pickFastest(pool)!.id, 's1');
    assert.equal(pickFastest(make(2))!.id, 's0');
    assert.equal(pickFastest([]), undefined);
  });
});

describe('pickFastest uses the estimate as last measured', () => {
  test('a slow server whose estimate has decayed while idle is still slow for a hedge', () => {
    const pool = make(2);
    Object.assign(pool[0], { latency: 4, measuredLatency: 4 });
    Object.assign(pool[1], { latency: 1, measuredLatency: 20 }); // idle for a while: decayed
    assert.equal(pickFastest(pool)!.id, 's0');
  });
});
