// The store seam: every shared cache backend (memcached, Redis, in-process memory) is this
// small interface. Adapters keep their commands private; getOrLoad, tags, leases and the
// outbox relay only ever talk to a CacheStore. Values are opaque bytes here; the envelope
// (freshness, tags, serialization) lives above the store.

export interface CacheStore {
  /** Short name for logs and metrics: `memcached`, `redis`, `memory`. */
  readonly kind: string;
  /** Largest value (bytes) `set`/`add` accept; larger ones throw ValueTooLargeError. */
  readonly maxItemSize: number;
  get(key: string): Promise<Buffer | undefined>;
  /** One answer per key, in order; undefined for a miss. */
  getMulti(keys: readonly string[]): Promise<(Buffer | undefined)[]>;
  /** Stores the value for ttlMs (rounded up to whole seconds by memcached; 0 = no expiry). */
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
  /** Stores only when the key is absent; true when this call created it (leases). */
  add(key: string, value: Buffer, ttlMs: number): Promise<boolean>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  /**
   * Adds 1 to a decimal counter and returns the new value; a missing counter is created
   * holding `initial` (and `initial` is returned). `get` reads it back as decimal ASCII.
   */
  incr(key: string, initial: number): Promise<number>;
  /**
   * Optional atomic lease fill: when `leaseKey` holds `token`, store the value and delete the
   * lease in one step and return true; else store nothing and return false. Stores without
   * it (memcached) get the portable check–set–recheck in leases.ts.
   */
  fillIfLeased?(leaseKey: string, token: string, key: string, value: Buffer, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Store-independent key rules: memcached's are the strictest (250 bytes, no whitespace/control). */
export const MAX_KEY_BYTES = 250;

export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'empty';
  // a UTF-16 code unit is at most 3 UTF-8 bytes: short keys skip the byte count
  if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key) > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(key)) return 'contains whitespace or control characters';
  return undefined;
}

/** Whole seconds for a millisecond TTL, never rounding a positive TTL down to "forever". */
export function ttlSeconds(ttlMs: number): number {
  if (ttlMs <= 0) return 0;
  return Math.max(1, Math.ceil(ttlMs / 1000));
}
