// Pure freshness decisions for one cached entry: is it fresh, stale-but-servable (grace),
// or gone; should this read refresh it early (XFetch); how long should it live (TTL jitter).
// Clock values and the random source are passed in, so every decision is repeatable in tests.

export interface EntryTimes {
  /** When the value was written (ms since epoch). */
  createdAt: number;
  /** Logical expiry: fresh before this instant. */
  freshUntil: number;
  /** End of grace: servable as stale (loader failed or slow) before this instant. */
  staleUntil: number;
  /** How long the load that produced the value took (ms), XFetch's delta. */
  delta: number;
}

export type Freshness = 'fresh' | 'stale' | 'expired';

export function classify(entry: EntryTimes, now: number): Freshness {
  if (now < entry.freshUntil) return 'fresh';
  if (now < entry.staleUntil) return 'stale';
  return 'expired';
}

/**
 * XFetch (Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic Cache Stampede
 * Prevention", VLDB 2015): refresh early when `now - delta·beta·ln(rand) ≥ expiry`.
 * The closer to expiry and the slower the load, the likelier; beta 1 is the paper's optimum.
 */
export function shouldRefreshEarly(entry: EntryTimes, now: number, random: () => number, beta = 1): boolean {
  if (now >= entry.freshUntil) return false; // already stale: the normal path refreshes it
  if (beta <= 0 || entry.delta <= 0) return false;
  const r = random();
  const gap = -entry.delta * beta * Math.log(r > 0 ? r : Number.MIN_VALUE);
  return now + gap >= entry.freshUntil;
}

/**
 * TTL with jitter, so keys written together do not expire together: a uniform share of up
 * to `jitter` (0..1) is taken off, never added, so the configured TTL stays an upper bound.
 */
export function jitteredTtl(ttlMs: number, jitter: number, random: () => number): number {
  if (ttlMs <= 0 || jitter <= 0) return ttlMs;
  return Math.max(1, Math.round(ttlMs * (1 - Math.min(jitter, 1) * random())));
}

/** Times of a new entry written at `now`. */
export function entryTimes(now: number, ttlMs: number, graceMs: number, delta: number): EntryTimes {
  return { createdAt: now, freshUntil: now + ttlMs, staleUntil: now + ttlMs + Math.max(0, graceMs), delta: Math.max(0, delta) };
}

/** Every tag version recorded in the entry still matches the current one. */
export function tagsCurrent(recorded: Record<string, string>, current: Record<string, string | undefined>): boolean {
  for (const [tag, version] of Object.entries(recorded)) {
    if (current[tag] !== version) return false;
  }
  return true;
}
