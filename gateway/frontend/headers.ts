// Request and response header rewriting of the HTTP proxy: hop-by-hop removal (RFC 9110 §7.6.1),
// X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239), believed only from trusted proxies,
// x-request-id and W3C traceparent. Pure functions over flat [name, value, …] header lists, as
// node:http's rawHeaders and undici take them (no header objects, no deletes on the hot path).
import { randomBytes, randomUUID } from 'node:crypto';
import { BlockList, isIPv6 } from 'node:net';

/** Hop-by-hop headers (RFC 9110 §7.6.1), framing included: never passed on as they came. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'transfer-encoding']);

/** lengths[n] = 1 when one of `names` is n characters long: lets most names skip toLowerCase(). */
function nameLengths(names: Iterable<string>): Uint8Array {
  const lengths = new Uint8Array(32);
  for (const name of names) lengths[name.length] = 1;
  return lengths;
}
const HOP_BY_HOP_LENGTHS = nameLengths(HOP_BY_HOP);

/** Whether `name` is hop-by-hop; only names of a hop-by-hop name's length are lowercased. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP_LENGTHS[name.length] === 1 && HOP_BY_HOP.has(name.toLowerCase());
}

/** Extra hop-by-hop names a Connection header lists (beyond close / keep-alive / upgrade); undefined when none. */
function connectionOptions(connection: string | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  if (connection.length <= 10 && PLAIN_CONNECTION.has(connection.toLowerCase())) return undefined; // the usual "keep-alive" / "close"
  let extra: Set<string> | undefined;
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (!name || name === 'close' || name === 'keep-alive' || name === 'upgrade' || NEVER_DROPPED.has(name)) continue;
    (extra ??= new Set()).add(name);
  }
  return extra;
}

const PLAIN_CONNECTION = new Set(['keep-alive', 'close', 'upgrade']);

/** Never removed because a Connection header names them: framing, routing and tracing depend on them. */
const NEVER_DROPPED = new Set(['host', 'content-length', 'transfer-encoding', 'x-request-id', 'traceparent']);

/** `list` without the headers a Connection header names as hop-by-hop options (usually none: `list` itself). */
export function withoutConnectionOptions(list: string[], connection: string | undefined): string[] {
  const names = connectionOptions(connection);
  if (!names) return list;
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) if (!names.has(list[i].toLowerCase())) out.push(list[i], list[i + 1]);
  return out;
}

/**
 * Response headers for the client from a server's [name, value, …] list: hop-by-hop ones and
 * those its Connection header names removed (Node frames the response itself), and its declared
 * Content-Length (-1: none). One pass: it runs for every proxied response.
 */
export function responseHeaders(raw: readonly string[]): { headers: string[]; contentLength: number } {
  const headers: string[] = [];
  let connection: string | undefined;
  let contentLength = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (name.length === 14) {
      if (name.toLowerCase() === 'content-length') contentLength = Number(value);
    } else if (isHopByHop(name)) {
      if (name.length === 10 && name.toLowerCase() === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
      continue;
    }
    headers.push(name, value);
  }
  return { headers: withoutConnectionOptions(headers, connection), contentLength };
}

/**
 * Who the upstream request is for: `reframed` for an engine that frames the body itself (native,
 * undici: Transfer-Encoding goes), `node` for http-proxy-3's web pass (Transfer-Encoding passes
 * on), `upgrade` also keeps Connection and Upgrade (a WebSocket handshake).
 */
export type UpstreamMode = 'reframed' | 'node' | 'upgrade';

/** The request headers upstreamRequestHead() handles itself (its switch); every other one passes as it came. */
const REWRITTEN = ['host', 'connection', 'upgrade', 'transfer-encoding', 'keep-alive', 'proxy-connection', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailer', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded',
  'x-request-id', 'traceparent', 'tracestate'];
const REWRITTEN_LENGTHS = nameLengths(REWRITTEN);

export interface UpstreamRequestHead {
  /** [name, value, …] for the server, client's order and case kept. */
  headers: string[];
  /** The request id (the client's when sane, else new), also in `headers`. */
  id: string;
}

/**
 * The request headers a server gets, built in one pass over the client's rawHeaders (no header
 * object, no deletes): hop-by-hop headers and Expect dropped (Node answered 100-continue),
 * X-Forwarded-For/-Proto/-Host and Forwarded set (the client's values extended only when it is a
 * trusted proxy, else replaced), x-request-id and a valid W3C traceparent (tracestate kept only
 * with the traceparent it belongs to). The guard has already refused smuggling shapes.
 */
export function upstreamRequestHead(raw: readonly string[], client: string, proto: 'http' | 'https', trusted: boolean, mode: UpstreamMode): UpstreamRequestHead {
  const headers: string[] = [];
  let host: string | undefined;
  let connection: string | undefined;
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  let forwarded: string | undefined;
  let incomingId: string | undefined;
  let idCount = 0;
  let traceparent: string | undefined;
  let traceCount = 0;
  let tracestate: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (REWRITTEN_LENGTHS[name.length] !== 1) {
      headers.push(name, value);
      continue;
    }
    switch (name.toLowerCase()) {
      case 'host':
        host ??= value;
        headers.push(name, value);
        break;
      case 'connection':
        connection = connection === undefined ? value : `${connection}, ${value}`;
        if (mode === 'upgrade') headers.push(name, value);
        break;
      case 'upgrade':
        if (mode === 'upgrade') headers.push(name, value);
        break;
      case 'transfer-encoding':
        if (mode !== 'reframed') headers.push(name, value);
        break;
      case 'keep-alive': case 'proxy-connection': case 'proxy-authenticate': case 'proxy-authorization': case 'te': case 'trailer': case 'expect':
        break;
      case 'x-forwarded-for':
        xff = xff === undefined ? value : `${xff}, ${value}`;
        break;
      case 'x-forwarded-proto':
        xfProto ??= value;
        break;
      case 'x-forwarded-host':
        xfHost ??= value;
        break;
      case 'forwarded':
        forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`;
        break;
      case 'x-request-id':
        incomingId = value;
        idCount++;
        break;
      case 'traceparent':
        traceparent = value;
        traceCount++;
        break;
      case 'tracestate':
        tracestate = tracestate === undefined ? value : `${tracestate},${value}`;
        break;
      default:
        headers.push(name, value);
    }
  }
  const hostValue = host ?? '';
  const element = `for=${forwardedNode(client)};proto=${proto}${hostValue ? `;host="${hostValue}"` : ''}`;
  if (trusted) {
    headers.push(
      'x-forwarded-for', xff ? `${xff}, ${client}` : client,
      'x-forwarded-proto', xfProto ?? proto,
      'x-forwarded-host', xfHost ?? hostValue,
      'forwarded', forwarded ? `${forwarded}, ${element}` : element,
    );
  } else {
    headers.push('x-forwarded-for', client, 'x-forwarded-proto', proto, 'x-forwarded-host', hostValue, 'forwarded', element);
  }
  const id = requestIdFor(idCount === 1 ? incomingId : undefined);
  headers.push('x-request-id', id);
  if (traceCount === 1 && validTraceparent(traceparent!)) {
    headers.push('traceparent', traceparent!);
    if (tracestate !== undefined) headers.push('tracestate', tracestate);
  } else headers.push('traceparent', newTraceparent());
  return { headers: withoutConnectionOptions(headers, connection), id };
}

/**
 * A header object from a [name, value, …] list, as node:http's req.headers has it (lowercase
 * names; repeated ones joined, Cookie with "; "): for the http-proxy-3 engine, which builds its
 * request from req.headers.
 */
export function headerObject(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i].toLowerCase();
    const previous = out[name];
    out[name] = previous === undefined ? list[i + 1] : `${previous}${name === 'cookie' ? '; ' : ', '}${list[i + 1]}`;
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
    pool = randomBytes(24 * 1024);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + 24);
  offset += 24;
  return hex;
}

const TRACEPARENT = /^00-(?!0{32}-)[0-9a-f]{32}-(?!0{16}-)[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A W3C traceparent of version 00 with non-zero trace and parent ids. */
export function validTraceparent(value: string): boolean {
  return TRACEPARENT.test(value);
}

/** A new root traceparent (sampled). */
export function newTraceparent(): string {
  const bytes = randomHex24();
  return `00-${bytes.slice(0, 32)}-${bytes.slice(32, 48)}-01`;
}
