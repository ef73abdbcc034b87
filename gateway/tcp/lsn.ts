// PostgreSQL WAL positions (`16/B374D848`) as bigints, and their distance in bytes
// (what `pg_wal_lsn_diff` computes on the server). Pure.

export function parseLsn(text: string | null | undefined): bigint | undefined {
  if (!text) return undefined;
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}

/** Bytes from `behind` to `ahead`; 0 when `behind` is already past it. */
export function lsnDistance(ahead: bigint, behind: bigint): number {
  return ahead > behind ? Number(ahead - behind) : 0;
}
