// When to start again a process that died: at once, unless it keeps dying soon after each start,
// then after a delay that doubles from 100 ms up to 10 s (HAProxy's master and systemd's
// Restart= with a start-limit do the same). Used by the gateway's supervising primary and by
// `tiered up` for its child processes. Pure.

/** A process that lived less than this before it died counts as a quick death. */
export const QUICK_DEATH_MS = 10_000;
const MAX_DELAY_MS = 10_000;

/** Delay before the next start, after `quickDeaths` quick deaths in a row (1 = the first). */
export function restartDelay(quickDeaths: number): number {
  return quickDeaths <= 1 ? 0 : Math.min(MAX_DELAY_MS, 100 * 2 ** (quickDeaths - 2));
}

/** The quick-death count after a death, given how long the process lived. */
export function nextQuickDeaths(previous: number, livedMs: number): number {
  return livedMs < QUICK_DEATH_MS ? previous + 1 : 1;
}
