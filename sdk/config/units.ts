// Durations ("2s", "150ms", "1m30s") and sizes ("64mb", "1.5 GiB") as users write them in
// tiered.yaml and in options, turned into milliseconds and bytes. Pure functions.

const DURATION_UNITS: Record<string, number> = {
  us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

/** Milliseconds for a duration like `2s`, `150ms`, `1m30s`, `1.5h`; a bare number is milliseconds. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new RangeError(`invalid duration ${input}`);
    return input;
  }
  const text = input.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const part = /(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = part.exec(text)) !== null) {
    total += Number(match[1]) * DURATION_UNITS[match[2]];
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new RangeError(`invalid duration "${input}" (expected e.g. 150ms, 2s, 5m, 1h30m)`);
  }
  return total;
}

/** Bytes for a size like `64mb`, `512k`, `1.5GiB` (binary multiples); a bare number is bytes. */
export function parseSize(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new RangeError(`invalid size ${input}`);
    return Math.floor(input);
  }
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(input.trim());
  const unit = match ? SIZE_UNITS[(match[2] || 'b').toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new RangeError(`invalid size "${input}" (expected e.g. 512kb, 64mb, 1gb)`);
  }
  return Math.floor(Number(match[1]) * unit);
}

/** Short human form of a duration in ms, for logs and tables. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
