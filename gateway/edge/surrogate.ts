// Surrogate headers (pure): `Surrogate-Key` tags an object for purges (space-separated, as
// Fastly and Varnish xkey read it); `Surrogate-Control` (W3C Edge Architecture) speaks to the
// edge only: its max-age / no-store / stale-* override Cache-Control here, and both headers are
// stripped before a response reaches a client.

/** Surrogate keys: space-separated tokens, at most 256 of at most 1 KB each. */
export function surrogateKeys(value: string | undefined): string[] {
  if (!value) return [];
  const keys = new Set<string>();
  for (const key of value.split(/[ \t]+/)) {
    if (key.length === 0 || key.length > 1024) continue;
    keys.add(key);
    if (keys.size >= 256) break;
  }
  return [...keys];
}

/**
 * The Cache-Control the edge's policy reads: Surrogate-Control's directives, when it has any the
 * edge understands, stand in for the shared-cache parts of Cache-Control (`max-age` there
 * becomes `s-maxage`); otherwise Cache-Control as sent.
 */
export function edgeCacheControl(cacheControl: string | undefined, surrogateControl: string | undefined): string | undefined {
  if (!surrogateControl) return cacheControl;
  const directives: string[] = [];
  for (const part of surrogateControl.split(',')) {
    const [rawName, rawValue] = part.split('=', 2);
    const name = rawName.trim().toLowerCase();
    const value = rawValue?.trim().replace(/^"|"$/g, '');
    if (name === 'no-store') directives.push('no-store');
    else if (name === 'max-age' && value !== undefined && /^\d+$/.test(value)) directives.push(`s-maxage=${value}`);
    else if ((name === 'stale-while-revalidate' || name === 'stale-if-error') && value !== undefined && /^\d+$/.test(value)) directives.push(`${name}=${value}`);
  }
  if (directives.length === 0) return cacheControl;
  // Keep Cache-Control's private: Surrogate-Control cannot make a private answer shared.
  const kept = (cacheControl ?? '').split(',').map((d) => d.trim()).filter((d) => /^private\b/i.test(d));
  return [...kept, ...directives].join(', ');
}
