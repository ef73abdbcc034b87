// Leases across processes (Facebook's memcache, NSDI 2013, adapted to plain add/get/delete):
// on a miss one caller wins `add(lease, token)` and loads; the others wait and re-read or
// serve stale. An invalidation deletes the lease before the value ("voids" it). A holder
// writes only while its token is still there, and re-checks after writing: if the lease was
// voided in between, it deletes what it wrote. Since the invalidator deletes the value after
// voiding the lease, every interleaving ends with the stale value gone.
import { randomUUID } from 'node:crypto';
import type { CacheStore } from './store.js';

export interface Lease {
  readonly key: string;
  readonly token: string;
}

const TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for what takeLease writes (a UUID); anything else under a lease key is foreign bytes. */
export function isLeaseToken(bytes: Buffer): boolean {
  return bytes.length === 36 && TOKEN.test(bytes.toString('latin1'));
}

export async function takeLease(store: CacheStore, leaseKey: string, ttlMs: number): Promise<Lease | undefined> {
  const token = randomUUID();
  return (await store.add(leaseKey, Buffer.from(token), ttlMs)) ? { key: leaseKey, token } : undefined;
}

async function holds(store: CacheStore, lease: Lease): Promise<boolean> {
  return (await store.get(lease.key))?.toString() === lease.token;
}

/** Writes the value only under a lease still held; false when it was voided (stale set rejected). */
export async function fillUnderLease(store: CacheStore, lease: Lease, key: string, value: Buffer, ttlMs: number): Promise<boolean> {
  if (store.fillIfLeased) return store.fillIfLeased(lease.key, lease.token, key, value, ttlMs);
  if (!(await holds(store, lease))) return false;
  await store.set(key, value, ttlMs);
  if (!(await holds(store, lease))) {
    await store.delete(key);
    return false;
  }
  await store.delete(lease.key);
  return true;
}

/** Gives the lease back (loader failed) so another caller can try at once. */
export async function releaseLease(store: CacheStore, lease: Lease): Promise<void> {
  if (await holds(store, lease)) await store.delete(lease.key);
}
