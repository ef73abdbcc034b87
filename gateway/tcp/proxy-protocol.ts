// PROXY protocol v2 header (haproxy.org/download/2.9/doc/proxy-protocol.txt, section 2.2):
// written first on a server connection so the server sees the client's address. Pure.
import { isIPv4, isIPv6 } from 'node:net';

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const VERSION_PROXY = 0x21; // version 2, command PROXY
const VERSION_LOCAL = 0x20; // version 2, command LOCAL (no addresses)
const TCP_OVER_IPV4 = 0x11;
const TCP_OVER_IPV6 = 0x21;

export interface ProxiedConnection {
  sourceAddress?: string;
  sourcePort?: number;
  destinationAddress?: string;
  destinationPort?: number;
}

/** `::ffff:1.2.3.4` (Node's dual-stack form) as `1.2.3.4`; other addresses unchanged. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1] : address;
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  const words = (part: string): number[] => (part ? part.split(':') : []).flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const [a, b, c, d] = ipv4Bytes(group);
    return [a * 256 + b, c * 256 + d];
  });
  const [head, tail] = address.split('::');
  const left = words(head);
  const right = tail === undefined ? [] : words(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((word) => [word >> 8, word & 0xff]);
}

/** The v2 header for a proxied TCP connection; LOCAL (no addresses) when they are unknown or mixed. */
export function encodeProxyV2(conn: ProxiedConnection): Buffer {
  const src = conn.sourceAddress ? unmapped(conn.sourceAddress) : '';
  const dst = conn.destinationAddress ? unmapped(conn.destinationAddress) : '';
  const ports = [conn.sourcePort ?? 0, conn.destinationPort ?? 0];
  let family: number | undefined;
  let addresses: number[] = [];
  if (isIPv4(src) && isIPv4(dst)) {
    family = TCP_OVER_IPV4;
    addresses = [...ipv4Bytes(src), ...ipv4Bytes(dst)];
  } else if (isIPv6(src) && isIPv6(dst)) {
    family = TCP_OVER_IPV6;
    addresses = [...ipv6Bytes(src), ...ipv6Bytes(dst)];
  }
  if (family === undefined) {
    return Buffer.concat([SIGNATURE, Buffer.from([VERSION_LOCAL, 0x00, 0x00, 0x00])]);
  }
  const body = Buffer.alloc(addresses.length + 4);
  Buffer.from(addresses).copy(body, 0);
  body.writeUInt16BE(ports[0], addresses.length);
  body.writeUInt16BE(ports[1], addresses.length + 2);
  const head = Buffer.alloc(4);
  head[0] = VERSION_PROXY;
  head[1] = family;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIGNATURE, head, body]);
}

export interface DecodedProxyV2 {
  command: 'proxy' | 'local';
  family: 'ipv4' | 'ipv6' | 'unspec';
  sourceAddress?: string;
  sourcePort?: number;
  destinationAddress?: string;
  destinationPort?: number;
  /** Length of the whole header in bytes (the payload starts after it). */
  length: number;
}

/**
 * Reads a v2 header at the start of `data` (used by tests and by servers that accept it);
 * undefined when there is none, it is incomplete, or its length is too short for its family.
 * Never throws, whatever the bytes.
 */
export function decodeProxyV2(data: Buffer): DecodedProxyV2 | undefined {
  if (data.length < 16 || !data.subarray(0, 12).equals(SIGNATURE)) return undefined;
  const command = data[12] === VERSION_PROXY ? 'proxy' : data[12] === VERSION_LOCAL ? 'local' : undefined;
  if (!command) return undefined;
  const length = 16 + data.readUInt16BE(14);
  if (data.length < length) return undefined;
  const body = data.subarray(16, length);
  if (command === 'local' || (data[13] !== TCP_OVER_IPV4 && data[13] !== TCP_OVER_IPV6)) {
    return { command, family: 'unspec', length };
  }
  // A body too short for its family's addresses and ports is not a header (hostile or truncated).
  if (body.length < (data[13] === TCP_OVER_IPV4 ? 12 : 36)) return undefined;
  if (data[13] === TCP_OVER_IPV4) {
    return {
      command, family: 'ipv4', length,
      sourceAddress: [...body.subarray(0, 4)].join('.'), destinationAddress: [...body.subarray(4, 8)].join('.'),
      sourcePort: body.readUInt16BE(8), destinationPort: body.readUInt16BE(10),
    };
  }
  const v6 = (bytes: Buffer): string => Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');
  return {
    command, family: 'ipv6', length,
    sourceAddress: v6(body.subarray(0, 16)), destinationAddress: v6(body.subarray(16, 32)),
    sourcePort: body.readUInt16BE(32), destinationPort: body.readUInt16BE(34),
  };
}
