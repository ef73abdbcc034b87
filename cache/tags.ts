// Tags by versions: each tag has a counter in the store; an entry records the versions of its
// tags when it was loaded and is stale as soon as one differs. Invalidating a tag is one
// increment, never a scan. A counter lost to eviction is recreated at a random value, so an
// entry cannot match a recreated counter by accident (1 in 2^31).
import type { CacheStore } from './store.js';
import type { KeySpace } from './keys.js';

const randomInitial = (random: () => number) => 1 + Math.floor(random() * 0x7fff_fffe);

/** Current versions of the tags, from values already read (undefined where missing). */
export function tagVersionsFrom(tags: readonly string[], raw: readonly (Buffer | undefined)[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  tags.forEach((tag, i) => (out[tag] = raw[i]?.toString()));
  return out;
}

/** What a tag counter holds: decimal ASCII (incr's output). Anything else is foreign bytes. */
export function isTagVersion(version: string): boolean {
  return /^[0-9]{1,20}$/.test(version);
}

/**
 * Versions to record in a new entry: reads them, creating missing counters. A counter holding
 * anything but a decimal number is replaced by a new random one (entries recorded with the old
 * bytes stop matching, so the repair can only cause misses, never serve stale values).
 */
export async function ensureTagVersions(store: CacheStore, keys: KeySpace, tags: readonly string[], random: () => number,
  onMalformed?: (tag: string) => void): Promise<Record<string, string>> {
  if (tags.length === 0) return {};
  const tagKeys = tags.map((tag) => keys.tag(tag));
  const raw = await store.getMulti(tagKeys);
  const out: Record<string, string> = {};
  await Promise.all(tags.map(async (tag, i) => {
    let version = raw[i]?.toString('latin1');
    if (version !== undefined && !isTagVersion(version)) {
      onMalformed?.(tag);
      version = String(randomInitial(random));
      await store.set(tagKeys[i], Buffer.from(version), 0);
    }
    if (version === undefined) {
      const fresh = String(randomInitial(random));
      version = (await store.add(tagKeys[i], Buffer.from(fresh), 0)) ? fresh : (await store.get(tagKeys[i]))?.toString('latin1');
      if (version === undefined || !isTagVersion(version)) version = String(await store.incr(tagKeys[i], randomInitial(random)));
    }
    out[tag] = version;
  }));
  return out;
}

/** Bumps every tag; returns the new versions (for the bus and L1). */
export async function bumpTags(store: CacheStore, keys: KeySpace, tags: readonly string[], random: () => number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(tags.map(async (tag) => {
    out[tag] = String(await store.incr(keys.tag(tag), randomInitial(random)));
  }));
  return out;
}
