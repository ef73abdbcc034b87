// The contract every picker keeps: picks only from the servers it is given, returns undefined
// for none, spreads load by weight (except `first`, which fills in order), and repeats the
// same choices with the same seed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from '../random.js';
import { BALANCE_NAMES, type BalanceName, type Candidate } from './candidate.js';
import { createPicker } from './create-picker.js';

interface TestServer extends Candidate {
  id: string;
  weight: number;
  inFlight: number;
  maxconn: number;
  latency?: number;
}

const servers = (weights: number[]): TestServer[] =>
  weights.map((weight, i) => ({ id: `s${i}`, weight, inFlight: 0, maxconn: 0, latency: 10 }));

/** Simulates `concurrency` requests in flight; each step one random request completes and a new one is placed. */
function simulate(name: BalanceName, pool: TestServer[], steps: number, concurrency: number, seed = 1): Map<string, number> {
  const picker = createPicker(name, { rng: seededRng(seed) });
  const rng = seededRng(seed + 100);
  const open: TestServer[] = [];
  const counts = new Map<string, number>(pool.map((s) => [s.id, 0]));
  for (let i = 0; i < steps; i++) {
    if (open.length >= concurrency) {
      const done = open.splice(Math.floor(rng() * open.length), 1)[0];
      done.inFlight--;
    }
    const chosen = picker.pick(pool, { key: `key-${Math.floor(rng() * 1e9)}` });
    assert.ok(chosen, `${name} returned nothing from a non-empty pool`);
    chosen.inFlight++;
    open.push(chosen);
    counts.set(chosen.id, counts.get(chosen.id)! + 1);
  }
  return counts;
}

for (const name of BALANCE_NAMES) {
  describe(`picker contract: ${name}`, () => {
    test('returns undefined for an empty set', () => {
      assert.equal(createPicker(name, { rng: seededRng(1) }).pick([]), undefined);
    });

    test('returns the only server of a one-server set', () => {
      const only = servers([3]);
      assert.equal(createPicker(name, { rng: seededRng(1) }).pick(only, { key: 'k' }), only[0]);
    });

    test('only ever picks from the set it is given (ineligible servers are never chosen)', () => {
      const all = servers([1, 1, 1, 1, 1]);
      const given = [all[1], all[3]];
      const picker = createPicker(name, { rng: seededRng(7) });
      for (let i = 0; i < 500; i++) {
        const chosen = picker.pick(given, { key: `k${i}` });
        assert.ok(chosen === all[1] || chosen === all[3]);
      }
    });

    test('is deterministic with a seeded rng', () => {
      const run = () => [...simulate(name, servers([1, 2, 3]), 2_000, 8, 42).values()];
      assert.deepEqual(run(), run());
    });

    if (name !== 'first') {
      test('spreads load in proportion to weight (1:2:3 within 20%)', () => {
        const counts = simulate(name, servers([1, 2, 3]), 30_000, 12);
        const total = 30_000;
        [1, 2, 3].forEach((w, i) => {
          const share = counts.get(`s${i}`)! / total;
          const expected = w / 6;
          assert.ok(Math.abs(share - expected) / expected < 0.2, `${name}: s${i} share ${share.toFixed(3)}, expected ≈ ${expected.toFixed(3)}`);
        });
      });
    }
  });
}

test('unknown algorithm name is a clear error', () => {
  assert.throws(() => createPicker('fastest' as BalanceName), /unknown balance algorithm "fastest"/);
});
