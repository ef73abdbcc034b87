// Cache keys (pure): an object is found by its primary key (host + path + the query without the
// ignored parameters, sorted) and, when the origin said `Vary`, a secondary key made of the
// request's values of those headers. Every object is also tagged by its URL so that a purge by
// URL is a purge by tag: `url:<path?query>` (any host) and `url:<host><path?query>`.

/** The lowercase Host without a default port; `-` when the request has none (HTTP/1.0). */
export function normalHost(host: string | undefined): string {
  if (!host) return '-';
  const lower = host.toLowerCase();
  return lower.endsWith(':80') ? lower.slice(0, -3) : lower;
}

function ignored(name: string, ignore: readonly string[]): boolean {
  for (const rule of ignore) {
    if (rule === name) return true;
    if (rule.endsWith('*') && name.startsWith(rule.slice(0, -1))) return true;
  }
  return false;
}

/** The path and query as the key sees it: absolute-form reduced, ignored parameters dropped, the rest sorted. */
export function normalTarget(target: string, ignore: readonly string[] = []): string {
  let path = target;
  if (!path.startsWith('/')) {
    const scheme = path.indexOf('://');
    if (scheme > 0) {
      const slash = path.indexOf('/', scheme + 3);
      path = slash < 0 ? '/' : path.slice(slash);
    } else path = `/${path}`;
  }
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);
  const q = path.indexOf('?');
  if (q < 0) return path;
  const base = path.slice(0, q);
  if (ignore.includes('*')) return base;
  const params = path.slice(q + 1).split('&').filter((p) => p.length > 0 && !ignored(p.split('=')[0], ignore));
  if (params.length === 0) return base;
  params.sort();
  return `${base}?${params.join('&')}`;
}

export function primaryKey(host: string | undefined, target: string, ignore: readonly string[] = []): string {
  return `${normalHost(host)}${normalTarget(target, ignore)}`;
}

/** The tags every object carries for purges by URL. */
export function urlTags(host: string | undefined, target: string, ignore: readonly string[] = []): string[] {
  const path = normalTarget(target, ignore);
  return [`url:${path}`, `url:${normalHost(host)}${path}`];
}

/** The tag a purged URL names: absolute (`http://host/p`: that host only) or a path (any host). */
export function purgeUrlTag(url: string, ignore: readonly string[] = []): string {
  const scheme = url.indexOf('://');
  if (scheme > 0) {
    const rest = url.slice(scheme + 3);
    const slash = rest.indexOf('/');
    const host = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '/' : rest.slice(slash);
    return `url:${normalHost(host.replace(/:443$/, ''))}${normalTarget(path, ignore)}`;
  }
  return `url:${normalTarget(url, ignore)}`;
}

/** `Vary` names, lowercase, in order; `*` when the response varies on everything (never stored). */
export function varyNames(vary: string | undefined): string[] {
  if (!vary) return [];
  const names = vary.split(',').map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0);
  return [...new Set(names)].sort();
}

/**
 * The secondary key of a request under a stored Vary: each named header's value, whitespace
 * collapsed; Accept-Encoding reduced to what the edge would negotiate from it (`enc`), so clients
 * that differ only in q-values share one variant.
 */
export function secondaryKey(names: readonly string[], headers: Record<string, string | string[] | undefined>, enc: string): string {
  if (names.length === 0) return '';
  let key = '';
  for (const name of names) {
    let value: string;
    if (name === 'accept-encoding') value = enc;
    else {
      const raw = headers[name];
      value = raw === undefined ? '' : (Array.isArray(raw) ? raw.join(', ') : raw).replace(/\s+/g, ' ').trim();
    }
    key += `\n${name}:${value}`;
  }
  return key;
}
