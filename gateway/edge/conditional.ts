// A client's own conditional GET/HEAD answered by the edge (RFC 9110 §13.1): If-None-Match
// (weak comparison, `*`) wins over If-Modified-Since; a match is a 304 with the validators and
// caching headers of the stored object.

function tags(list: string): string[] {
  return list.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

const weak = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

export function notModified(headers: Record<string, string | string[] | undefined>, etag: string | undefined, lastModified: string | undefined): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    const list = tags(Array.isArray(inm) ? inm.join(',') : inm);
    if (list.includes('*')) return true;
    return etag !== undefined && list.some((t) => weak(t) === weak(etag));
  }
  const ims = headers['if-modified-since'];
  if (typeof ims !== 'string' || lastModified === undefined) return false;
  const since = Date.parse(ims);
  const modified = Date.parse(lastModified);
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

/** The headers a 304 carries (RFC 9110 §15.4.5). */
export const NOT_MODIFIED_HEADERS = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified', 'age', 'cache-status', 'x-cache']);
