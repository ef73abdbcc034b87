// An answer made from a stored object (pure): the client's own conditional request (304),
// Range (206/416 from the full object), HEAD (the GET's head, no body), Age, and the edge's
// outcome headers. The edge hands the result to its reply; the exchange writes it.
import type { IncomingHttpHeaders } from 'node:http';
import { notModified, NOT_MODIFIED_HEADERS } from './conditional.js';
import { outcomeHeaders, type Outcome } from './cache-status.js';
import { ifRangeMatches, rangeFor } from './range.js';
import type { EdgeObject } from './object.js';

export interface Answer {
  status: number;
  headers: string[];
  /** undefined: no body (HEAD, 304, 416 has a short one). */
  body: Buffer | undefined;
}

/** Headers never sent from a stored object as stored (the edge sets its own). */
const REPLACED = new Set(['age', 'content-length', 'content-range', 'accept-ranges', 'cache-status', 'x-cache']);

export function answerFromObject(object: EdgeObject, method: string, headers: IncomingHttpHeaders, outcome: Outcome, extra: string[] = []): Answer {
  const out: string[] = [];
  const stored = object.headers;
  const age = String(Math.max(0, Math.floor(object.policy.age())));
  if (object.status === 200 || object.status === 204 || object.status === 203) {
    if (notModified(headers, stored.etag, stored['last-modified'])) {
      for (const name in stored) if (NOT_MODIFIED_HEADERS.has(name) && !REPLACED.has(name)) out.push(name, stored[name]);
      out.push('age', age, ...outcomeHeaders(outcome), ...extra);
      return { status: 304, headers: out, body: undefined };
    }
  }
  for (const name in stored) if (!REPLACED.has(name)) out.push(name, stored[name]);
  out.push('age', age, ...outcomeHeaders(outcome), ...extra);
  const body = object.body;
  let status = object.status;
  let slice: Buffer | undefined = body;
  if (status === 200) {
    out.push('accept-ranges', 'bytes');
    const range = typeof headers.range === 'string' && ifRangeMatches(typeof headers['if-range'] === 'string' ? headers['if-range'] : undefined, stored.etag, stored['last-modified'])
      ? rangeFor(headers.range, body.length)
      : { kind: 'full' as const };
    if (range.kind === 'partial') {
      status = 206;
      slice = body.subarray(range.start, range.end + 1);
      out.push('content-range', `bytes ${range.start}-${range.end}/${body.length}`);
    } else if (range.kind === 'unsatisfiable') {
      return { status: 416, headers: ['content-range', `bytes */${body.length}`, 'content-length', '0', ...outcomeHeaders(outcome), ...extra], body: method === 'HEAD' ? undefined : Buffer.alloc(0) };
    }
  }
  const bodyless = status === 204 || status === 304;
  if (!bodyless) out.push('content-length', String(slice.length));
  return { status, headers: out, body: method === 'HEAD' || bodyless ? undefined : slice };
}
