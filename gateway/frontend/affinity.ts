// Request affinity: the sticky-session cookie (HAProxy `cookie SRV insert`) and the key a
// `hash` backend balances on (source IP, URI, a header or a cookie). Pure.
import type { FrontRequest } from './front.js';

/**
 * A cookie's value, percent-decoded when it decodes (the gateway's own sticky cookie is written
 * with encodeURIComponent); a value that does not decode (`%E0%A4%A`) is taken as sent, as
 * HAProxy takes cookie values: a client's bytes never throw on the request path.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return percentDecoded(part.slice(eq + 1).trim());
  }
  return undefined;
}

function percentDecoded(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The server name the sticky cookie points to, if any. */
export function stickyServer(req: Pick<FrontRequest, 'headers' | 'url'>, cookie: string): string | undefined {
  return cookieValue(req.headers.cookie, cookie);
}

export function stickyCookie(cookie: string, server: string): string {
  return `${cookie}=${encodeURIComponent(server)}; Path=/; HttpOnly; SameSite=Lax`;
}

export interface HashOn {
  on: 'source' | 'uri' | 'header' | 'cookie';
  name?: string;
}

export function hashKey(req: Pick<FrontRequest, 'headers' | 'url'>, client: string, hash: HashOn | undefined): string | undefined {
  switch (hash?.on ?? 'source') {
    case 'uri': return req.url;
    case 'header': {
      const value = req.headers[hash!.name!.toLowerCase()];
      return Array.isArray(value) ? value.join(',') : value;
    }
    case 'cookie': return cookieValue(req.headers.cookie, hash!.name!);
    default: return client;
  }
}
