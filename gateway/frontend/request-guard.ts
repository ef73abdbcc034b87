// What the gateway refuses before balancing: request smuggling shapes (Content-Length together
// with Transfer-Encoding, a Transfer-Encoding other than chunked, a Content-Length that is not
// one number), request targets that are not origin-form or absolute-form, and Host headers
// that are not a host. Absolute-form targets are
// reduced to their path: the configured backend is the only upstream (no open proxy). Pure.
import type { FrontRequest } from './front.js';

const DIGITS = /^\d+$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?$/;

/** undefined when the request may go on; else the reason for a 400. */
export function rejectReason(req: Pick<FrontRequest, 'headers' | 'url'>): string | undefined {
  const h = req.headers;
  const te = h['transfer-encoding'];
  const length = h['content-length'];
  if (te !== undefined) {
    if (length !== undefined) return 'Content-Length together with Transfer-Encoding';
    if (te.trim().toLowerCase() !== 'chunked') return 'unsupported Transfer-Encoding';
  }
  // Repeated Content-Length lines arrive joined ("5, 5"): one framing only.
  if (length !== undefined && !DIGITS.test(length)) return 'bad Content-Length';
  const host = h.host;
  if (host !== undefined && !HOST.test(host)) return 'bad Host header';
  const url = req.url ?? '';
  if (url.startsWith('/')) return undefined;
  if (/^https?:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      req.url = `${parsed.pathname}${parsed.search}`;
      return undefined;
    } catch {
      return 'bad request target';
    }
  }
  return 'bad request target';
}
