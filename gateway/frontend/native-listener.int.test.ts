// The gateway's own llhttp server side (native-listener.ts, client-session.ts, native-response.ts)
// against real sockets: response framing per client version (chunked, read-until-close, HEAD),
// Expect, Host required, a body left unread closes the connection, idle keep-alive and slow-body
// timeouts, a pipelined POST, and a reload that moves a frontend to node:http (http-proxy-3).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '../../ops/stack/net.js';
import { startGateway, type Gateway } from '../gateway.js';
import { httpRequest, rawExchange, startTestBackend, type TestBackend } from '../test-backends.js';

/** A client connection that reads whole responses off a raw socket. */
class RawClient {
  private buffer = '';
  closed = false;
  private readonly socket: Socket;
  private readonly closedPromise: Promise<void>;

  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => (this.buffer += d));
    this.socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) => this.socket.on('close', () => {
      this.closed = true;
      resolve();
    }));
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits until `predicate(received)` holds; what was received. */
  async until(predicate: (received: string) => boolean, timeoutMs = 3000): Promise<string> {
    const start = Date.now();
    while (!predicate(this.buffer)) {
      if (Date.now() - start > timeoutMs) throw new Error(`not received within ${timeoutMs} ms; got: ${JSON.stringify(this.buffer)}`);
      if (this.closed) throw new Error(`connection closed; got: ${JSON.stringify(this.buffer)}`);
      await sleep(10);
    }
    return this.buffer;
  }

  async waitClosed(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.closedPromise.then(() => true), sleep(timeoutMs).then(() => false)]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('gateway native listener (own llhttp server side)', () => {
  let app: TestBackend;
  let gw: Gateway;

  before(async () => {
    app = await startTestBackend('app');
    const [webPort] = await freePorts(1);
    app.handler = (req, res) => {
      if (req.url === '/stream') {
        // no Content-Length: the server sends it chunked
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part one, ');
        setTimeout(() => res.end('part two'), 20);
        return true;
      }
      if (req.url === '/hints') {
        req.resume();
        res.writeEarlyHints({ link: '</a.css>; rel=preload; as=style' });
        setTimeout(() => res.end('after hints'), 10);
        return true;
      }
      if (req.url === '/echo') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = `echo ${Buffer.concat(chunks).toString()}`;
          res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
        return true;
      }
      return false;
    };
    gw = await startGateway({
      accessLog: false,
      frontends: [
        { name: 'web', listen: `127.0.0.1:${webPort}`, backend: 'app' },
        { name: 'idle', listen: '127.0.0.1:0', backend: 'app', timeouts: { client: '300ms' } },
        { name: 'slow', listen: '127.0.0.1:0', backend: 'app', timeouts: { headers: '300ms', request: '500ms' } },
        { name: 'limited', listen: '127.0.0.1:0', backend: 'app', rateLimit: { rate: 0.01, burst: 1 } },
      ],
      backends: [{ name: 'app', servers: [{ name: 'app', address: app.address }] }],
    });
  });
  after(async () => {
    await gw.stop(100);
    await app.stop();
  });

  test('every HTTP frontend runs on the native listener by default', () => {
    assert.deepEqual(gw.stats().frontends.map((f) => f.server), ['native', 'native', 'native', 'native']);
  });

  test('a response without Content-Length goes chunked to an HTTP/1.1 client, and the connection is kept', async () => {
    const client = new RawClient(gw.ports().web);
    client.send('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    const first = await client.until((r) => r.endsWith('0\r\n\r\n'));
    assert.match(first, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(first, /transfer-encoding: chunked\r\n/i);
    assert.doesNotMatch(first, /connection: close/i);
    assert.match(first, /\r\n\r\na\r\npart one, \r\n8\r\npart two\r\n0\r\n\r\n$/);
    client.send('GET /again HTTP/1.1\r\nHost: x\r\n\r\n');
    const both = await client.until((r) => r.includes('app GET /again'));
    assert.equal(count(both, 'HTTP/1.1 200'), 2);
    client.destroy();
  });

  test('to an HTTP/1.0 client the same response ends with the connection', async () => {
    const answer = await rawExchange(gw.ports().web, 'GET /stream HTTP/1.0\r\nHost: x\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(answer, /transfer-encoding/i);
    assert.match(answer, /connection: close\r\n/i);
    assert.ok(answer.endsWith('\r\n\r\npart one, part two'), answer);
  });

  test('an HTTP/1.0 keep-alive client gets Content-Length responses on one connection', async () => {
    const client = new RawClient(gw.ports().web);
    client.send('GET /a HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const first = await client.until((r) => r.includes('app GET /a'));
    assert.match(first, /connection: keep-alive\r\n/i);
    client.send('GET /b HTTP/1.0\r\nHost: x\r\n\r\n'); // no keep-alive: the last one
    await client.until((r) => r.includes('app GET /b'));
    assert.equal(await client.waitClosed(2000), true);
  });

  test('103 Early Hints go to an HTTP/1.1 client, never to an HTTP/1.0 one', async () => {
    const client = new RawClient(gw.ports().web);
    client.send('GET /hints HTTP/1.1\r\nHost: x\r\n\r\n');
    const answer = await client.until((r) => r.endsWith('after hints'));
    assert.match(answer, /^HTTP\/1\.1 103 Early Hints\r\nlink: <\/a\.css>; rel=preload; as=style\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    client.destroy();
    const old = await rawExchange(gw.ports().web, 'GET /hints HTTP/1.0\r\nHost: x\r\n\r\n');
    assert.match(old, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(old, /103/);
    assert.ok(old.endsWith('after hints'));
  });

  test('HEAD gets the head only, and the connection carries on', async () => {
    const client = new RawClient(gw.ports().web);
    client.send('HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /after-head HTTP/1.1\r\nHost: x\r\n\r\n');
    const both = await client.until((r) => r.includes('app GET /after-head'));
    const [head, rest] = both.split(/(?=HTTP\/1\.1 200)/g).filter(Boolean);
    assert.match(head, /content-length: \d+\r\n/i);
    assert.ok(head.endsWith('\r\n\r\n'), 'no body after the HEAD head');
    assert.match(rest, /app GET \/after-head$/);
    client.destroy();
  });

  test('Expect: 100-continue gets 100 Continue before the answer; another expectation gets 417', async () => {
    const client = new RawClient(gw.ports().web);
    client.send('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await client.until((r) => r.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    client.send('hello');
    const answer = await client.until((r) => r.includes('echo hello'));
    assert.match(answer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    client.destroy();
    const refused = await rawExchange(gw.ports().web, 'GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n');
    assert.match(refused, /^HTTP\/1\.1 417 /);
  });

  test('HTTP/1.1 without Host is refused with 400 and not proxied', async () => {
    const hits = app.hits;
    const answer = await rawExchange(gw.ports().web, 'GET /nohost HTTP/1.1\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /connection: close/i);
    assert.equal(app.hits, hits);
  });

  test('an answer given before the request body arrived closes the connection (the rest is not read as a request)', async () => {
    const port = gw.ports().limited;
    assert.equal((await httpRequest(port)).status, 200); // the one token
    const client = new RawClient(port);
    // a body that smuggles a request in if the connection were kept
    client.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n');
    const answer = await client.until((r) => r.includes('\r\n\r\n429'));
    assert.match(answer, /^HTTP\/1\.1 429 /);
    assert.match(answer, /connection: close/i);
    client.send('GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(await client.waitClosed(2000), true);
    assert.doesNotMatch(answer, /smuggled/);
  });

  test('an idle keep-alive connection is closed after the client timeout', async () => {
    const client = new RawClient(gw.ports().idle);
    client.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await client.until((r) => r.includes('app GET /'));
    const started = Date.now();
    assert.equal(await client.waitClosed(3000), true);
    assert.ok(Date.now() - started >= 250, 'not before the timeout');
  });

  test('a body dribbled past requestTimeout is cut off and the server attempt cancelled', async () => {
    const client = new RawClient(gw.ports().slow);
    client.send('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n');
    const drip = setInterval(() => client.send('x'), 50);
    const closed = await client.waitClosed(3000);
    clearInterval(drip);
    assert.equal(closed, true);
    await sleep(50);
    const server = gw.stats().backends.find((b) => b.name === 'app')!.servers[0];
    assert.equal(server.inFlight, 0);
  });

  test('a pipelined POST and GET are answered in order, the body going to the first', async () => {
    const client = new RawClient(gw.ports().web);
    client.send('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    const both = await client.until((r) => r.includes('app GET /second'));
    assert.ok(both.indexOf('echo abc') < both.indexOf('app GET /second'));
    client.destroy();
  });

  test('a request with more than 32 headers arrives whole (the parser hands them over in parts)', async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 40; i++) headers[`x-h${i}`] = `v${i}`;
    const path = `/many/${'p'.repeat(300)}`;
    const answer = await httpRequest(gw.ports().web, { path, headers });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, `app GET ${path}`);
    for (let i = 0; i < 40; i++) assert.equal(app.lastHeaders[`x-h${i}`], `v${i}`);
  });

  test('garbage behind a request being answered: that answer goes out, then the connection closes, one 400 counted', async () => {
    const frontend = () => gw.stats().frontends.find((f) => f.name === 'web')!;
    const before = frontend().responses['4xx'];
    const client = new RawClient(gw.ports().web);
    client.send('GET /stream HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n');
    await sleep(5);
    client.send('MORE GARBAGE\r\n\r\n');
    const answer = await client.until((r) => r.endsWith('0\r\n\r\n'));
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(await client.waitClosed(2000), true);
    assert.equal(frontend().responses['4xx'] - before, 1);
  });

  test('a reload that puts the backend on http-proxy-3 moves the frontend to node:http on the same port', async () => {
    const port = gw.ports().web;
    const config = structuredClone(gw.config);
    config.backends = config.backends.map((b) => ({ ...b, engine: 'http-proxy-3' as const }));
    const serverOf = () => gw.stats().frontends.find((f) => f.name === 'web')!.server;
    assert.equal(serverOf(), 'native');
    await gw.reload(config);
    assert.equal(gw.ports().web, port);
    assert.equal(serverOf(), 'node');
    const answer = await httpRequest(port, { path: '/after-reload' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'app GET /after-reload');
    config.backends = config.backends.map((b) => ({ ...b, engine: 'native' as const }));
    await gw.reload(config);
    assert.equal(serverOf(), 'native');
    assert.equal((await httpRequest(port, { path: '/back' })).body, 'app GET /back');
  });
});
