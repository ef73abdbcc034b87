// PostgreSQL WAL positions (`16/B374D848`) as bigints, so they compare and serialize, and their
// distance in bytes (what `pg_wal_lsn_diff` computes on the server). One parser for the DB client
// and the gateway's PostgreSQL check. Pure.

/** The LSN `text` names, or undefined when it names none (a server's odd answer is no LSN). */
export function readLsn(text: string | null | undefined): bigint | undefined {
  if (!text) return undefined;
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** The LSN `text` names; a RangeError when it names none (a token the caller must have right). */
export function parseLsn(text: string): bigint {
  const lsn = readLsn(text);
  if (lsn === undefined) throw new RangeError(`invalid LSN "${text}" (expected e.g. 16/B374D848)`);
  return lsn;
}

/** Bytes from `behind` to `ahead`; 0 when `behind` is already past it. */
export function lsnDistance(ahead: bigint, behind: bigint): number {
  return ahead > behind ? Number(ahead - behind) : 0;
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export const maxLsn = (a: bigint, b: bigint): bigint => (a > b ? a : b);
