// Random sources for balancing decisions. Every picker takes one injected, so tests can use a
// seeded generator and get the same choices on every run.

/** A uniform random number in [0, 1), like Math.random. */
export type Rng = () => number;

/** Math.random: the default random source outside tests. */
export const defaultRng: Rng = Math.random;

/** A small, fast, seeded generator (mulberry32); repeatable sequences for tests and benchmarks. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock in milliseconds (Date.now, performance.now or a test's fake). */
export type Clock = () => number;

/** Monotonic milliseconds; the default clock of every timed decision. */
export const monotonicClock: Clock = () => performance.now();
