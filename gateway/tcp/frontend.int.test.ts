// TCP mode against real sockets: small TCP servers started by the test stand in for backends.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { startTcpGateway, tcpInput } from './test-gateway.js';
import { eventually } from '../../sdk/testing/eventually.js';
import type { Gateway as TcpGateway } from '../gateway.js';
import type { TcpTestInput as TcpGatewayInput } from './test-gateway.js';
import { decodeProxyV2 } from './proxy-protocol.js';

interface Backend {
  server: Server;
  address: string;
  sockets: Set<Socket>;
  received: Buffer[];
  close(): Promise<void>;
}

/** An echo server that prefixes each reply with its name. */
async function echoServer(name: string, onConnect?: (socket: Socket) => void): Promise<Backend> {
  const sockets = new Set<Socket>();
  const received: Buffer[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnect?.(socket);
    socket.on('data', (data) => {
      received.push(data);
      socket.write(`${name}:${data.toString()}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    server, sockets, received, address: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

async function freeAddress(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

function dial(gateway: TcpGateway, frontend = 'fe'): Promise<Socket> {
  const port = gateway.ports()[frontend];
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  return once(socket, 'connect').then(() => socket);
}

/** Sends one line and resolves with the first reply (or null when the connection closes). */
function ask(socket: Socket, text: string): Promise<string | null> {
  return new Promise((resolve) => {
    const onData = (data: Buffer) => {
      socket.off('close', onClose);
      resolve(data.toString());
    };
    const onClose = () => {
      socket.off('data', onData);
      resolve(null);
    };
    socket.once('data', onData);
    socket.once('close', onClose);
    socket.write(text);
  });
}

function closed(socket: Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : once(socket, 'close').then(() => undefined);
}

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function gatewayWith(input: TcpGatewayInput): Promise<TcpGateway> {
  const gateway = await startTcpGateway(input);
  cleanups.push(() => gateway.stop());
  return gateway;
}

async function backends(...names: string[]): Promise<Backend[]> {
  const list = await Promise.all(names.map((n) => echoServer(n)));
  for (const b of list) cleanups.push(() => b.close());
  return list;
}

describe('tcp frontend', () => {
  test('relays bytes both ways and counts them', async () => {
    const [a] = await backends('a');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: [{ name: 'a', address: a.address }] }],
    });
    const client = await dial(gateway);
    assert.equal(await ask(client, 'hello'), 'a:hello');
    const big = 'x'.repeat(1024 * 1024);
    let echoed = 0;
    client.on('data', (d) => (echoed += d.length));
    client.write(big);
    await eventually('the megabyte echoed back', async () => (echoed >= big.length + 2 ? true : undefined));
    client.end();
    await closed(client);
    const server = await eventually('the session recorded', async () => {
      const s = gateway.stats().backends[0].servers[0];
      return s.inFlight === 0 && s.timers.total ? s : undefined;
    });
    assert.equal(server.requests, 1);
    assert.ok(server.timers.connect!.p50 > 0 && server.timers.total!.p99 >= server.timers.connect!.p50, 'connect and session times recorded');
    assert.equal(server.bytesIn, 5 + big.length);
    assert.ok(server.bytesOut >= 7 + big.length, `bytesOut ${server.bytesOut}`);
    assert.equal(server.inFlight, 0);
  });

  test('a large download to a slow reader arrives intact (buffer reuse under backpressure)', async () => {
    const payload = randomBytes(16 * 1024 * 1024); // more than the loopback socket buffers hold
    const source = createServer((socket) => {
      socket.on('error', () => {});
      // Small pieces, so the gateway reads chunks below the client's high-water mark while
      // earlier writes to the slow client are still pending.
      let offset = 0;
      const next = () => {
        if (socket.destroyed) return;
        if (offset >= payload.length) return void socket.end();
        const piece = payload.subarray(offset, offset + 1500);
        offset += piece.length;
        if (socket.write(piece)) setImmediate(next);
        else socket.once('drain', next);
      };
      next();
    });
    source.listen(0, '127.0.0.1');
    await once(source, 'listening');
    cleanups.push(() => new Promise((resolve) => source.close(resolve)));
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: [{ name: 'src', address: `127.0.0.1:${(source.address() as { port: number }).port}` }] }],
    });
    const client = await dial(gateway);
    const chunks: Buffer[] = [];
    let received = 0;
    // A stalled reader first: the kernel buffers fill and the gateway's writes to the client queue.
    client.pause();
    setTimeout(() => client.resume(), 400);
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    await once(client, 'end');
    assert.equal(received, payload.length);
    assert.equal(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'), createHash('sha256').update(payload).digest('hex'));
  });

  test('a client that half-closes still gets the reply the server sends after its FIN', async () => {
    const replier = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      const got: Buffer[] = [];
      socket.on('data', (d) => got.push(d));
      socket.on('end', () => setTimeout(() => socket.end(`got ${Buffer.concat(got).toString()}`), 50));
    });
    replier.listen(0, '127.0.0.1');
    await once(replier, 'listening');
    cleanups.push(() => new Promise((resolve) => replier.close(resolve)));
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: [{ name: 'r', address: `127.0.0.1:${(replier.address() as { port: number }).port}` }] }],
    });
    const port = gateway.ports()['fe'];
    const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    client.on('error', () => {});
    await once(client, 'connect');
    client.end('request');
    const chunks: Buffer[] = [];
    client.on('data', (d) => chunks.push(d));
    await once(client, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'got request');
    client.destroy();
  });

  test('leastconn spreads concurrent sessions evenly', async () => {
    const list = await backends('a', 'b', 'c');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: list.map((b, i) => ({ name: `s${i}`, address: b.address })) }],
    });
    const clients = await Promise.all(Array.from({ length: 9 }, () => dial(gateway)));
    const replies = await Promise.all(clients.map((c) => ask(c, 'x')));
    const counts = new Map<string, number>();
    for (const reply of replies) counts.set(reply!.split(':')[0], (counts.get(reply!.split(':')[0]) ?? 0) + 1);
    assert.deepEqual([...counts.values()], [3, 3, 3]);
    for (const c of clients) c.destroy();
  });

  test('hash on the source address keeps one client address on one server', async () => {
    const list = await backends('a', 'b', 'c');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', balance: 'hash', servers: list.map((b, i) => ({ name: `s${i}`, address: b.address })) }],
    });
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const c = await dial(gateway);
      seen.add((await ask(c, 'x'))!.split(':')[0]);
      c.destroy();
      await closed(c);
    }
    assert.equal(seen.size, 1);
  });

  test('300 concurrent sessions come and go without leaking a slot or a socket', async () => {
    const list = await backends('a', 'b');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: list.map((b, i) => ({ name: `s${i}`, address: b.address, maxconn: 200 })) }],
    });
    const clients = await Promise.all(Array.from({ length: 300 }, () => dial(gateway)));
    const replies = await Promise.all(clients.map((c, i) => ask(c, `m${i}`)));
    assert.equal(replies.filter((r) => r !== null && /^[ab]:m\d+$/.test(r)).length, 300);
    await Promise.all(clients.map((c) => {
      c.end();
      return closed(c);
    }));
    const stats = await eventually('every session closed on both sides', async () => {
      const now = gateway.stats();
      return now.frontends[0].connections === 0 && list[0].sockets.size + list[1].sockets.size === 0 ? now : undefined;
    });
    assert.deepEqual(stats.backends[0].servers.map((s) => s.inFlight), [0, 0]);
    assert.equal(stats.backends[0].queued, 0);
    assert.equal(stats.frontends[0].connections, 0);
    assert.equal(list[0].sockets.size + list[1].sockets.size, 0, 'no server-side socket left open');
    assert.equal(stats.backends[0].servers.reduce((n, s) => n + s.requests, 0), 300);
  });

  test('reload: open sessions stay, new ones follow the new config; unchanged backends keep their state', async () => {
    const [a, b] = await backends('a', 'b');
    const first: TcpGatewayInput = {
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: [{ name: 'a', address: a.address }] }, { name: 'other', servers: [{ name: 'b', address: b.address }] }],
    };
    const gateway = await gatewayWith(first);
    const old = await dial(gateway);
    assert.equal(await ask(old, '1'), 'a:1');
    gateway.setServer('other', 'b', { state: 'drain' });

    await gateway.reload(tcpInput({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }, { name: 'fe2', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: [{ name: 'b', address: b.address }] }, first.backends[1]],
    }));
    assert.equal(await ask(old, '2'), 'a:2', 'the open session goes on with its server');
    const fresh = await dial(gateway);
    assert.equal(await ask(fresh, '3'), 'b:3', 'new sessions use the new backend config');
    const second = await dial(gateway, 'fe2');
    assert.equal(await ask(second, '4'), 'b:4', 'a new frontend listens');
    const other = gateway.stats().backends.find((x) => x.name === 'other')!;
    assert.equal(other.servers[0].state, 'DRAIN', 'an unchanged backend keeps its runtime');
    await assert.rejects(gateway.reload(tcpInput({ frontends: [{ name: 'fe', listen: 'nope', backend: 'be' }], backends: [] })), /expected host:port/);
    assert.equal(await ask(fresh, '5'), 'b:5', 'a bad config changes nothing');
    for (const c of [old, fresh, second]) c.destroy();
  });

  test('maxconn queues the next connection until a slot frees; a full queue is refused', async () => {
    const [a] = await backends('a');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', maxQueue: 1, queueTimeout: '10s', servers: [{ name: 'a', address: a.address, maxconn: 1 }] }],
    });
    const first = await dial(gateway);
    assert.equal(await ask(first, '1'), 'a:1');
    const second = await dial(gateway);
    const secondReply = ask(second, '2');
    await eventually('the second connection queued', async () => (gateway.stats().backends[0].queued === 1 ? true : undefined));
    const third = await dial(gateway);
    await closed(third); // queue full: closed at once
    assert.equal(gateway.stats().backends[0].queueFull, 1);
    first.destroy();
    assert.equal(await secondReply, 'a:2');
    second.destroy();
  });

  test('a queued connection gives up after queueTimeout', async () => {
    const [a] = await backends('a');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', queueTimeout: '150ms', servers: [{ name: 'a', address: a.address, maxconn: 1 }] }],
    });
    const first = await dial(gateway);
    assert.equal(await ask(first, '1'), 'a:1');
    const second = await dial(gateway);
    await closed(second);
    assert.equal(gateway.stats().backends[0].queueTimeouts, 1);
    first.destroy();
  });

  test('stop closes open and queued connections at once', async () => {
    const [a] = await backends('a');
    const gateway = await startTcpGateway({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', queueTimeout: '30s', servers: [{ name: 'a', address: a.address, maxconn: 1 }] }],
    });
    const open = await dial(gateway);
    assert.equal(await ask(open, '1'), 'a:1');
    const queued = await dial(gateway);
    await eventually('the second connection queued', async () => (gateway.stats().backends[0].queued === 1 ? true : undefined));
    const started = Date.now();
    await gateway.stop();
    await Promise.all([closed(open), closed(queued)]);
    assert.ok(Date.now() - started < 3000, 'stopped without waiting for the queue timeout');
  });

  test('a refused connect is retried on another server; no server at all closes the client', async () => {
    const [b] = await backends('b');
    const dead = await freeAddress();
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', balance: 'first', servers: [{ name: 'dead', address: dead }, { name: 'b', address: b.address }] }],
    });
    const client = await dial(gateway);
    assert.equal(await ask(client, 'hi'), 'b:hi');
    client.destroy();
    assert.equal(gateway.stats().backends[0].servers[0].errors.connect, 1);

    const lonely = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: [{ name: 'dead', address: dead }] }],
    });
    const refused = await dial(lonely);
    await closed(refused);
  });

  test('a server killed mid-session closes the client promptly', async () => {
    const [a] = await backends('a');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{ name: 'be', servers: [{ name: 'a', address: a.address }] }],
    });
    const client = await dial(gateway);
    assert.equal(await ask(client, 'x'), 'a:x');
    const started = Date.now();
    for (const s of a.sockets) s.destroy();
    await closed(client);
    assert.ok(Date.now() - started < 3000, 'client closed within 3 s');
  });

  test('idle sessions are closed after idleTimeout', async () => {
    const [a] = await backends('a');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be', idleTimeout: '200ms' }],
      backends: [{ name: 'be', servers: [{ name: 'a', address: a.address }] }],
    });
    const client = await dial(gateway);
    assert.equal(await ask(client, 'x'), 'a:x');
    await closed(client);
    await eventually('server side closed too', async () => (a.sockets.size === 0 ? true : undefined));
  });

  test('PROXY protocol v2 tells the server the client address', async () => {
    const [a] = await backends('a');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be', proxyProtocol: 'v2' }],
      backends: [{ name: 'be', servers: [{ name: 'a', address: a.address }] }],
    });
    const client = await dial(gateway);
    client.write('payload');
    const data = await eventually('the header and the payload at the server', async () => {
      const got = Buffer.concat(a.received);
      return got.includes('payload') ? got : undefined;
    });
    const header = decodeProxyV2(data);
    assert.ok(header, 'a v2 header first');
    assert.equal(header.sourceAddress, '127.0.0.1');
    assert.equal(header.sourcePort, client.localPort);
    assert.equal(header.destinationPort, gateway.ports()['fe']);
    assert.equal(data.subarray(header.length).toString(), 'payload');
    client.destroy();
  });

  test('fallback backend takes new connections when no server of the first is up', async () => {
    const [primary] = await backends('primary');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'read' }],
      backends: [
        { name: 'read', fallback: 'write', check: { type: 'tcp', interval: '100ms' }, servers: [{ name: 'r', address: await freeAddress() }] },
        { name: 'write', servers: [{ name: 'p', address: primary.address }] },
      ],
    });
    assert.equal(gateway.stats().backends[0].servers[0].state, 'DOWN');
    const client = await dial(gateway);
    assert.equal(await ask(client, 'q'), 'primary:q');
    client.destroy();
  });

  test('a server marked DOWN with on-marked-down shutdown-sessions loses its sessions; drain takes no new ones', async () => {
    const [a, b] = await backends('a', 'b');
    const gateway = await gatewayWith({
      frontends: [{ name: 'fe', listen: '127.0.0.1:0', backend: 'be' }],
      backends: [{
        name: 'be', balance: 'first', onMarkedDown: 'shutdown-sessions', check: { type: 'tcp', interval: '100ms', fall: 2, rise: 1 },
        servers: [{ name: 'a', address: a.address }, { name: 'b', address: b.address }],
      }],
    });
    const client = await dial(gateway);
    assert.equal(await ask(client, 'x'), 'a:x');
    a.server.close(); // stops listening; the open session stays until the gateway closes it
    await closed(client);
    assert.equal(gateway.stats().backends[0].servers[0].state, 'DOWN');
    const next = await dial(gateway);
    assert.equal(await ask(next, 'y'), 'b:y');
    next.destroy();

    gateway.setServer('be', 'b', { state: 'drain' });
    assert.equal(gateway.stats().backends[0].servers[1].state, 'DRAIN');
    const refused = await dial(gateway);
    await closed(refused);
    assert.throws(() => gateway.setServer('be', 'nope', { state: 'drain' }), /nope/);
  });
});
