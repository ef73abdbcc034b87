// The native engine's connections against real sockets: reuse, idle closing, framing of every
// response shape llhttp knows, and failures reported once with their code.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { UpstreamPool } from './upstream-pool.js';
import type { UpstreamHandler } from './upstream-connection.js';
import { requestHead } from '../frontend/request-head.js';

interface Result {
  heads: { status: number; statusText: string; headers: string[] }[];
  body: Buffer;
  error?: NodeJS.ErrnoException;
  connected: boolean;
}

/** Sends one request on a connection of the pool; resolves at the end or the failure. */
function exchange(pool: UpstreamPool, options: { method?: string; path?: string; headers?: string[]; body?: Readable; chunked?: boolean } = {}): Promise<Result> {
  const method = options.method ?? 'GET';
  return new Promise((resolve) => {
    const result: Result = { heads: [], body: Buffer.alloc(0), connected: false };
    const chunks: Buffer[] = [];
    const handler: UpstreamHandler = {
      onConnected: () => { result.connected = true; },
      onHead: (status, statusText, headers) => { result.heads.push({ status, statusText, headers }); },
      onBody: (chunk) => { chunks.push(Buffer.from(chunk)); return true; },
      onEnd: () => { result.body = Buffer.concat(chunks); resolve(result); },
      onFail: (error) => { result.error = error as NodeJS.ErrnoException; result.body = Buffer.concat(chunks); resolve(result); },
    };
    const head = requestHead(method, options.path ?? '/', options.headers ?? ['host', 'test'], options.chunked ?? false, undefined);
    pool.take().send(head, options.body, options.chunked ?? false, method === 'HEAD', handler);
  });
}

const poolFor = (port: number, serverTimeout = 2_000) => new UpstreamPool('127.0.0.1', port, { connectTimeout: 1_000, serverTimeout, maxIdle: 16 });

/** A raw TCP server answering each connection's requests with `answer` (it sees each chunk of bytes). */
async function rawServer(answer: (socket: Socket, data: string) => void): Promise<{ server: NetServer; port: number; connections: () => number }> {
  let connections = 0;
  const server = createNetServer((socket) => {
    connections++;
    socket.on('data', (d) => answer(socket, d.toString('latin1')));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

describe('native upstream connections', () => {
  const servers: (HttpServer | NetServer)[] = [];
  after(() => { for (const s of servers) s.close(); });

  /** A real node:http server on a free loopback port; `connections` counts the TCP connections it accepted. */
  async function httpServer(handler: RequestListener, keepAliveTimeout = 5_000): Promise<{ server: HttpServer; port: number; connections: () => number }> {
    let connections = 0;
    const server = createHttpServer({ keepAliveTimeout }, handler);
    server.on('connection', () => connections++);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
  }

  test('sequential requests reuse one keep-alive connection; counts show it idle', async () => {
    const http = await httpServer((req, res) => res.end(`hi ${req.url}`), 10_000);
    const pool = poolFor(http.port);
    for (let i = 0; i < 5; i++) {
      const r = await exchange(pool, { path: `/${i}` });
      assert.equal(r.error, undefined);
      assert.equal(r.heads[0].status, 200);
      assert.equal(r.body.toString(), `hi /${i}`);
    }
    assert.equal(http.connections(), 1);
    assert.deepEqual(pool.counts(), { active: 0, idle: 1 });
    pool.close();
    await sleep(20);
    assert.deepEqual(pool.counts(), { active: 0, idle: 0 });
  });

  test('an idle connection is closed by the pool before the server\'s Keep-Alive timeout, and the next request opens a new one', async () => {
    let serverSawClientClose = false;
    const http = await httpServer((_req, res) => res.end('ok'), 2_000);
    http.server.on('connection', (socket) => socket.on('end', () => { serverSawClientClose = true; }));
    const pool = poolFor(http.port);
    assert.equal((await exchange(pool)).heads[0].status, 200); // Keep-Alive: timeout=2 → idle for 1 s at most
    assert.equal(pool.counts().idle, 1);
    await sleep(1_500);
    assert.equal(pool.counts().idle, 0);
    assert.ok(serverSawClientClose, 'the gateway side closed first');
    assert.equal((await exchange(pool)).heads[0].status, 200);
    pool.close();
  });

  test('a server closing an idle connection takes it out of the pool without a failed request', async () => {
    const raw = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    servers.push(raw.server);
    const pool = poolFor(raw.port);
    for (let i = 0; i < 3; i++) {
      const r = await exchange(pool);
      assert.equal(r.error, undefined);
      assert.equal(r.body.toString(), 'ok');
      await sleep(20);
    }
    assert.equal(raw.connections(), 3);
    assert.deepEqual(pool.counts(), { active: 0, idle: 0 });
  });

  test('response framings: read until close, chunked, HEAD with a length, 204, over 32 headers', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `x-h${i}: ${i}\r\n`).join('');
    const raw = await rawServer((socket, data) => {
      if (data.startsWith('GET /eof')) socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
      else if (data.startsWith('GET /chunked')) socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
      else if (data.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n');
      else if (data.startsWith('GET /204')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else if (data.startsWith('GET /many')) socket.write(`HTTP/1.1 200 OK\r\n${many}content-length: 0\r\n\r\n`);
    });
    servers.push(raw.server);
    const pool = poolFor(raw.port);
    const eof = await exchange(pool, { path: '/eof' });
    assert.equal(eof.error, undefined);
    assert.equal(eof.body.toString(), 'until the end');
    const chunked = await exchange(pool, { path: '/chunked' });
    assert.equal(chunked.body.toString(), 'hello world');
    const head = await exchange(pool, { method: 'HEAD' });
    assert.equal(head.error, undefined);
    assert.equal(head.body.length, 0);
    const noContent = await exchange(pool, { path: '/204' });
    assert.equal(noContent.heads[0].status, 204);
    const headers = (await exchange(pool, { path: '/many' })).heads[0].headers;
    assert.equal(headers.length, 82);
    assert.deepEqual(headers.slice(78, 80), ['x-h39', '39']);
    // one connection for /eof (closed by the server), one for all the rest
    assert.equal(raw.connections(), 2);
    pool.close();
  });

  test('interim 100 and 103 heads come before the final one, which alone ends the response', async () => {
    const raw = await rawServer((socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ndone'));
    servers.push(raw.server);
    const pool = poolFor(raw.port);
    const r = await exchange(pool);
    assert.deepEqual(r.heads.map((h) => h.status), [100, 103, 200]);
    assert.deepEqual(r.heads[1].headers, ['link', '</a.css>; rel=preload']);
    assert.equal(r.body.toString(), 'done');
    pool.close();
  });

  test('a malformed response fails with its parser code; a response cut short fails as closed', async () => {
    const raw = await rawServer((socket, data) => {
      if (data.startsWith('GET /double')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello');
      else if (data.startsWith('GET /bare-lf')) socket.write('HTTP/1.1 200 OK\ncontent-length: 2\n\nok');
      else socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort');
    });
    servers.push(raw.server);
    const pool = poolFor(raw.port);
    const double = await exchange(pool, { path: '/double' });
    assert.equal(double.error?.code, 'UPSTREAM_BAD_RESPONSE');
    assert.match(double.error!.message, /HPE_/);
    const bare = await exchange(pool, { path: '/bare-lf' });
    assert.equal(bare.error?.code, 'UPSTREAM_BAD_RESPONSE');
    const short = await exchange(pool, { path: '/short' });
    assert.equal(short.error?.code, 'UPSTREAM_CLOSED');
    assert.equal(short.body.toString(), 'short');
    await sleep(20);
    assert.deepEqual(pool.counts(), { active: 0, idle: 0 });
  });

  test('a request body without a length goes chunked and arrives whole; one with a length goes as is', async () => {
    const http = await httpServer(async (req, res) => {
      const parts: Buffer[] = [];
      for await (const part of req) parts.push(part as Buffer);
      res.end(`${req.headers['transfer-encoding'] ?? '-'} ${req.headers['content-length'] ?? '-'} ${Buffer.concat(parts).toString()}`);
    });
    const pool = poolFor(http.port);
    const chunked = await exchange(pool, { method: 'POST', body: Readable.from([Buffer.from('abc'), Buffer.alloc(0), Buffer.from('def')]), chunked: true });
    assert.equal(chunked.body.toString(), 'chunked - abcdef');
    const sized = await exchange(pool, { method: 'PUT', headers: ['host', 'test', 'content-length', '6'], body: Readable.from([Buffer.from('abcdef')]) });
    assert.equal(sized.body.toString(), '- 6 abcdef');
    assert.deepEqual(pool.counts(), { active: 0, idle: 1 });
    pool.close();
  });

  test('a server answering before the whole request body arrived: the answer is delivered and the connection not reused', async () => {
    const raw = await rawServer((socket, data) => {
      if (data.startsWith('POST')) socket.write('HTTP/1.1 413 Payload Too Large\r\ncontent-length: 3\r\n\r\nbig');
    });
    servers.push(raw.server);
    const pool = poolFor(raw.port);
    const body = new Readable({ read() {} });
    body.push('first part');
    const r = await exchange(pool, { method: 'POST', headers: ['host', 'test', 'content-length', '1000'], body });
    assert.equal(r.heads[0].status, 413);
    assert.equal(r.body.toString(), 'big');
    body.push('more, after the answer');
    await sleep(20);
    assert.deepEqual(pool.counts(), { active: 0, idle: 0 }, 'half-sent request: the connection is closed, not kept');
  });

  test('a discarded response is read to its end and its connection reused', { timeout: 10_000 }, async () => {
    const http = await httpServer((req, res) => {
      if (req.url === '/busy') res.writeHead(503).end('x'.repeat(200_000));
      else res.end('fine');
    }, 10_000);
    const pool = poolFor(http.port);
    const connection = pool.take();
    let bodyAfterDiscard = 0;
    await new Promise<void>((resolve, reject) => {
      connection.send(requestHead('GET', '/busy', ['host', 'test'], false, undefined), undefined, false, false, {
        onConnected: () => {},
        onHead: () => connection.discard(),
        onBody: (chunk) => { bodyAfterDiscard += chunk.length; return true; },
        onEnd: () => reject(new Error('a discarded response must not report its end')),
        onFail: reject,
      });
      const wait = setInterval(() => {
        if (pool.counts().idle === 1) {
          clearInterval(wait);
          resolve();
        }
      }, 5);
    });
    assert.equal(bodyAfterDiscard, 0);
    const next = await exchange(pool, { path: '/after' });
    assert.equal(next.body.toString(), 'fine');
    assert.equal(http.connections(), 1);
    pool.close();
  });

  test('a handler that cannot take more pauses the server socket until resume()', async () => {
    const big = Buffer.alloc(1 << 20, 'x');
    const http = await httpServer((_req, res) => res.end(big));
    const pool = poolFor(http.port);
    const connection = pool.take();
    let received = 0;
    let pausedAt = -1;
    const done = new Promise<void>((resolve, reject) => {
      connection.send(requestHead('GET', '/', ['host', 'test'], false, undefined), undefined, false, false, {
        onConnected: () => {},
        onHead: () => {},
        onBody: (chunk) => {
          received += chunk.length;
          if (pausedAt >= 0) return true;
          pausedAt = received;
          setTimeout(() => {
            assert.ok(connection.socket.isPaused(), 'socket paused while the handler is full');
            assert.ok(received < big.length, 'not everything arrived while paused');
            connection.resume();
          }, 50);
          return false;
        },
        onEnd: () => resolve(),
        onFail: reject,
      });
    });
    await done;
    assert.equal(received, big.length);
    pool.close();
  });

  test('a refused connect fails with its errno, once; a silent server times out', async () => {
    const raw = await rawServer(() => {});
    servers.push(raw.server);
    const silent = poolFor(raw.port, 200);
    const timedOut = await exchange(silent);
    assert.equal(timedOut.connected, true);
    assert.equal(timedOut.error?.code, 'UPSTREAM_TIMEOUT');
    const closed = createNetServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const refused = await exchange(poolFor(port));
    assert.equal(refused.connected, false);
    assert.equal(refused.error?.code, 'ECONNREFUSED');
  });
});
