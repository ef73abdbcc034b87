// Request and response header rewriting of the HTTP proxy: hop-by-hop removal (RFC 9110 §7.6.1),
// X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239), believed only from trusted proxies,
// x-request-id and W3C traceparent. Pure functions over header objects.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIPv6 } from 'node:net';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade'];
const HOP_BY_HOP_SET = new Set([...HOP_BY_HOP, 'transfer-encoding']);

/** Removes hop-by-hop request headers, including the ones the Connection header names. */
export function stripRequestHopByHop(headers: IncomingHttpHeaders, keepUpgrade = false): void {
  const connection = headers.connection;
  if (connection) {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (name && name !== 'upgrade' && name !== 'transfer-encoding' && name !== 'x-request-id' && name !== 'host') delete headers[name];
    }
  }
  for (const name of HOP_BY_HOP) {
    if (keepUpgrade && (name === 'connection' || name === 'upgrade')) continue;
    if (headers[name] !== undefined) delete headers[name];
  }
  // Transfer-Encoding stays when it frames the body (Node re-frames it as chunked to the server).
}

/** Response headers from rawHeaders, without hop-by-hop ones; a flat [name, value, ...] list. */
export function responseHeaders(rawHeaders: string[], connectionHeader: string | undefined): string[] {
  let extra: Set<string> | undefined;
  if (connectionHeader) {
    extra = new Set(connectionHeader.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
  }
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP_SET.has(lower) || extra?.has(lower)) continue;
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return out;
}

/** Trusted proxy addresses / CIDRs; `undefined` when none are configured. */
export function trustedProxyList(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

export function unmappedAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function isTrusted(list: BlockList | undefined, address: string): boolean {
  if (!list || !address) return false;
  return list.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}

/** `address` is a socket's peer address (unmapped): only IPv6 ones contain a colon (no regex per request). */
function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

/**
 * Sets X-Forwarded-For/-Proto/-Host and Forwarded. From a trusted proxy the incoming values are
 * kept and this hop is appended; from anyone else they are replaced.
 */
export function setForwardedHeaders(headers: IncomingHttpHeaders, client: string, proto: 'http' | 'https', trusted: boolean): void {
  const host = headers.host ?? '';
  if (trusted) {
    const xff = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = xff ? `${xff}, ${client}` : client;
    headers['x-forwarded-proto'] ??= proto;
    headers['x-forwarded-host'] ??= host;
    const element = `for=${forwardedNode(client)};proto=${proto}${host ? `;host="${host}"` : ''}`;
    headers.forwarded = headers.forwarded ? `${headers.forwarded}, ${element}` : element;
  } else {
    headers['x-forwarded-for'] = client;
    headers['x-forwarded-proto'] = proto;
    headers['x-forwarded-host'] = host;
    headers.forwarded = `for=${forwardedNode(client)};proto=${proto}${host ? `;host="${host}"` : ''}`;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The incoming x-request-id when it is sane, else a new one. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

// Trace and span ids for new root traceparents, cut from a pooled block of random bytes.
let pool = Buffer.alloc(0);
let offset = 0;
function randomHex24(): string {
  if (offset + 24 > pool.length) {
    pool = randomBytes(24 * 256);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + 24);
  offset += 24;
  return hex;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The incoming W3C traceparent when valid (trace id kept); else a new root one. Returns the trace id. */
export function ensureTraceparent(headers: IncomingHttpHeaders): string {
  const value = headers.traceparent;
  const match = typeof value === 'string' ? TRACEPARENT.exec(value) : null;
  if (match && !/^0+$/.test(match[1]) && !/^0+$/.test(match[2])) return match[1];
  const bytes = randomHex24();
  const traceId = bytes.slice(0, 32);
  headers.traceparent = `00-${traceId}-${bytes.slice(32, 48)}-01`;
  delete headers.tracestate;
  return traceId;
}
