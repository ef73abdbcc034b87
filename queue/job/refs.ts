// Names that cross the API boundary: BullMQ job ids made from idempotency keys, and the public
// job reference `<job name>:<id>` used in `Location: /jobs/{ref}` (one queue per job name, so
// the reference says which queue to look in).

/**
 * BullMQ rejects custom ids that look like integers or contain `:` (outside its own
 * `a:b:c` form): escape `%` and `:` and prefix, which keeps the mapping one-to-one.
 */
export function jobIdForKey(idempotencyKey: string): string {
  if (idempotencyKey.length === 0) throw new TypeError('idempotencyKey must not be empty');
  return `k-${idempotencyKey.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

export function jobRef(jobName: string, id: string): string {
  return `${jobName}:${id}`;
}

/** Splits `<job name>:<id>`; undefined when it is not one (job names never contain `:`). */
export function parseJobRef(ref: string): { name: string; id: string } | undefined {
  const at = ref.indexOf(':');
  if (at <= 0 || at === ref.length - 1) return undefined;
  return { name: ref.slice(0, at), id: ref.slice(at + 1) };
}

/** The path of a job's status resource, each part URL-encoded. */
export function jobLocation(basePath: string, jobName: string, id: string): string {
  return `${basePath.replace(/\/+$/, '')}/${encodeURIComponent(jobName)}:${encodeURIComponent(id)}`;
}
