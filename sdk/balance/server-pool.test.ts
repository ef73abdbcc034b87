import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from '../random.js';
import { ServerPool, type PoolEvent } from './server-pool.js';

function fakeClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

describe('ServerPool', () => {
  test('pick → begin → end tracks in-flight and latency', () => {
    const clock = fakeClock();
    const pool = new ServerPool([{ id: 'a' }, { id: 'b' }], { clock: clock.now, rng: seededRng(1) });
    const s = pool.pick()!;
    const t = pool.begin(s);
    assert.equal(s.inFlight, 1);
    clock.advance(25);
    pool.end(s, t, 'success');
    assert.equal(s.inFlight, 0);
    assert.equal(s.latency, 25);
  });

  test('five consecutive failures eject a server; it comes back half-open and a success unejects it', () => {
    const clock = fakeClock();
    const events: PoolEvent[] = [];
    const pool = new ServerPool([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { clock: clock.now, rng: seededRng(1), balance: 'roundrobin' });
    pool.onEvent((e) => events.push(e));
    const a = pool.get('a')!;
    for (let i = 0; i < 4; i++) pool.end(a, pool.begin(a), 'connect-error');
    assert.equal(a.healthy, true);
    pool.end(a, pool.begin(a), 'server-error');
    assert.equal(a.healthy, false);
    assert.equal(events.at(-1)?.type, 'eject');
    for (let i = 0; i < 100; i++) assert.notEqual(pool.pick()!.id, 'a');
    clock.advance(30_000);
    assert.equal(a.trial, true);
    const started = pool.begin(a);
    assert.ok(!pool.eligible().servers.includes(a), 'second trial request while the first is in flight');
    pool.end(a, started, 'success');
    assert.equal(a.trial, false);
    assert.equal(events.at(-1)?.type, 'uneject');
  });

  test('a failed trial ejects again for longer', () => {
    const clock = fakeClock();
    const pool = new ServerPool([{ id: 'a' }, { id: 'b' }], { clock: clock.now });
    const a = pool.get('a')!;
    for (let i = 0; i < 5; i++) pool.end(a, pool.begin(a), 'reset');
    assert.equal(pool.outlier!.ejectedUntil('a'), clock.now() + 30_000);
    clock.advance(30_000);
    pool.end(a, pool.begin(a), 'timeout');
    assert.equal(pool.outlier!.ejectedUntil('a'), clock.now() + 60_000);
  });

  test('cancelled requests do not count as failures; they only raise the latency estimate', () => {
    const clock = fakeClock();
    const pool = new ServerPool([{ id: 'a' }], { clock: clock.now });
    const a = pool.get('a')!;
    let t = pool.begin(a);
    clock.advance(10);
    pool.end(a, t, 'success');
    t = pool.begin(a);
    clock.advance(2);
    pool.end(a, t, 'cancelled');
    assert.ok(a.latency! > 9.9, 'a short cancelled request lowered the estimate');
    t = pool.begin(a);
    clock.advance(500);
    pool.end(a, t, 'cancelled');
    assert.equal(a.latency, 500);
    assert.equal(a.totals.failures, 0);
  });

  test('setHealthy is the active-check seam; recovery starts the slowstart ramp', () => {
    const clock = fakeClock();
    const pool = new ServerPool([{ id: 'a', weight: 10 }, { id: 'b', weight: 10 }], { clock: clock.now, slowstart: 10_000 });
    pool.setHealthy('a', false);
    assert.deepEqual(pool.eligible().servers.map((s) => s.id), ['b']);
    pool.setHealthy('a', true);
    assert.ok(pool.get('a')!.weight < 1);
    clock.advance(5_000);
    assert.equal(pool.get('a')!.weight, 5);
    clock.advance(5_000);
    assert.equal(pool.get('a')!.weight, 10);
  });

  test('runtime update: drain, maint, weight', () => {
    const pool = new ServerPool([{ id: 'a' }, { id: 'b' }], { rng: seededRng(2) });
    pool.update('a', { admin: 'drain' });
    for (let i = 0; i < 50; i++) assert.equal(pool.pick()!.id, 'b');
    assert.throws(() => pool.update('zz', { admin: 'maint' }), /no server "zz"/);
    assert.throws(() => pool.update('a', { weight: -1 }), /weight must be ≥ 0/);
  });

  test('exclude: a retry never goes to the server that already failed', () => {
    const pool = new ServerPool([{ id: 'a' }, { id: 'b' }], { rng: seededRng(3) });
    for (let i = 0; i < 50; i++) assert.equal(pool.pick({ exclude: new Set(['a']) })!.id, 'b');
    assert.equal(pool.pick({ exclude: new Set(['a', 'b']) }), undefined);
  });

  test('at most half the pool is ejected at once', () => {
    const pool = new ServerPool([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }]);
    for (const s of pool.servers) for (let i = 0; i < 5; i++) pool.end(s, pool.begin(s), 'connect-error');
    assert.equal(pool.servers.filter((s) => !s.healthy).length, 2);
  });
});
