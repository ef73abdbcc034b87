import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProxyV2, encodeProxyV2 } from './proxy-protocol.js';

test('IPv4 connection: PROXY command, TCP over IPv4, 28 bytes, round-trips', () => {
  const header = encodeProxyV2({ sourceAddress: '192.0.2.7', sourcePort: 51234, destinationAddress: '127.0.0.1', destinationPort: 9001 });
  assert.equal(header.length, 28);
  assert.equal(header.subarray(0, 12).toString('latin1'), '\r\n\r\n\0\r\nQUIT\n');
  assert.equal(header[12], 0x21);
  assert.equal(header[13], 0x11);
  assert.equal(header.readUInt16BE(14), 12);
  assert.deepEqual(decodeProxyV2(header), {
    command: 'proxy', family: 'ipv4', length: 28,
    sourceAddress: '192.0.2.7', sourcePort: 51234, destinationAddress: '127.0.0.1', destinationPort: 9001,
  });
});

test('IPv4-mapped IPv6 addresses from a dual-stack listener are sent as IPv4', () => {
  const header = encodeProxyV2({ sourceAddress: '::ffff:10.1.2.3', sourcePort: 1, destinationAddress: '::ffff:10.0.0.1', destinationPort: 2 });
  assert.equal(header[13], 0x11);
  assert.equal(decodeProxyV2(header)?.sourceAddress, '10.1.2.3');
});

test('IPv6 connection: TCP over IPv6, compressed forms expanded', () => {
  const header = encodeProxyV2({ sourceAddress: '2001:db8::1', sourcePort: 40000, destinationAddress: '::1', destinationPort: 9002 });
  assert.equal(header.length, 16 + 36);
  assert.equal(header[13], 0x21);
  const decoded = decodeProxyV2(header);
  assert.equal(decoded?.sourceAddress, '2001:db8:0:0:0:0:0:1');
  assert.equal(decoded?.destinationAddress, '0:0:0:0:0:0:0:1');
  assert.equal(decoded?.destinationPort, 9002);
});

test('unknown or mixed families produce a LOCAL header with no addresses', () => {
  const header = encodeProxyV2({ sourceAddress: '10.0.0.1', destinationAddress: '::1' });
  assert.equal(header.length, 16);
  assert.equal(header[12], 0x20);
  assert.deepEqual(decodeProxyV2(header), { command: 'local', family: 'unspec', length: 16 });
  assert.equal(encodeProxyV2({}).length, 16);
});

test('decode refuses data that is not a complete v2 header', () => {
  assert.equal(decodeProxyV2(Buffer.from('SELECT 1')), undefined);
  const header = encodeProxyV2({ sourceAddress: '1.2.3.4', sourcePort: 1, destinationAddress: '5.6.7.8', destinationPort: 2 });
  assert.equal(decodeProxyV2(header.subarray(0, 20)), undefined);
});

test('regression (fuzz): a PROXY v2 header whose length is too short for its family is no header, not a RangeError', () => {
  const signature = [13, 10, 13, 10, 0, 13, 10, 81, 85, 73, 84, 10];
  // TCP over IPv6 with a 0-byte body, and TCP over IPv4 with 9 bytes where 12 are needed.
  assert.equal(decodeProxyV2(Buffer.from([...signature, 0x21, 0x21, 0, 0])), undefined);
  assert.equal(decodeProxyV2(Buffer.from([...signature, 0x21, 0x11, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9])), undefined);
  // A longer body (TLVs after the addresses) is still read.
  const withTlv = Buffer.concat([encodeProxyV2({ sourceAddress: '10.0.0.1', sourcePort: 1, destinationAddress: '10.0.0.2', destinationPort: 2 }), Buffer.from([0x04, 0, 0])]);
  withTlv.writeUInt16BE(15, 14);
  assert.equal(decodeProxyV2(withTlv)?.sourceAddress, '10.0.0.1');
});
