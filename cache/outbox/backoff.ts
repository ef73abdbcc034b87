// Retry delay for an outbox row that failed `attempts` times: exponential from 100 ms,
// capped, with full jitter so a fleet of relays does not retry in lock-step. Pure.
export function retryDelayMs(attempts: number, random: () => number, capMs = 30_000): number {
  const ceiling = Math.min(capMs, 100 * 2 ** Math.min(attempts, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
