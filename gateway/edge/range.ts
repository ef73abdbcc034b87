// Range requests served from a cached full object (RFC 9110 §14): one `bytes=` range → 206 with
// Content-Range, an unsatisfiable one → 416 with `bytes */length`; several ranges, a bad header
// or an If-Range that does not match → the whole object (200), which the RFC allows.

export type RangeAnswer =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/** If-Range: an entity tag must match the stored strong ETag; a date must equal Last-Modified. */
export function ifRangeMatches(ifRange: string | undefined, etag: string | undefined, lastModified: string | undefined): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return etag !== undefined && !value.startsWith('W/') && !etag.startsWith('W/') && value === etag;
  return lastModified !== undefined && Date.parse(value) === Date.parse(lastModified) && Number.isFinite(Date.parse(value));
}

export function rangeFor(range: string | undefined, length: number): RangeAnswer {
  if (range === undefined) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(range);
  if (!match) return { kind: 'full' }; // several ranges or another unit: ignored (200)
  const [, first, last] = match;
  if (first === '' && last === '') return { kind: 'full' };
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, length - suffix);
    end = length - 1;
  } else {
    start = Number(first);
    end = last === '' ? length - 1 : Math.min(Number(last), length - 1);
    if (last !== '' && Number(last) < start) return { kind: 'full' }; // invalid range: ignored
  }
  if (!Number.isSafeInteger(start) || start >= length || length === 0) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}
