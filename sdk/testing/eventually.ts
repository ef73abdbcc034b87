// Test support: wait for a condition by polling it, never with a fixed sleep. Not public API.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` every `everyMs` until it returns a value other than undefined or false (which is
 * returned), or fails after `timeoutMs` naming `what`. A probe that throws counts as not yet.
 */
export async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const start = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(`not within ${timeoutMs} ms: ${what}${lastError ? ` (last error: ${(lastError as Error).message ?? String(lastError)})` : ''}`);
    }
    await sleep(everyMs);
  }
}
