// The http-proxy-3 engine: the library's web pass (`selfHandleResponse`) on the server's node:http
// keep-alive agent. Its 'proxyReq' hook arms the connect and server timeouts and reports the
// connection (the request body flows from then on); its 'proxyRes' hook hands the response head
// to the sink, then its body chunk by chunk (paused while the client's buffer is full), or drops
// it (a retry). It needs node:http's objects, which the exchange passes in `request.node`.
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { ProxyServer } from 'http-proxy-3';
import type { UpstreamCall, UpstreamRequest, UpstreamSink } from './engines.js';

/** Where the hooks find the call of a request (set only on this engine's path). */
const CALL = Symbol('tiered.upstream-call');
type WithCall = IncomingMessage & { [CALL]?: Proxy3Call };

/**
 * The "body" of a request without one: http-proxy-3 pipes `options.buffer || req` into the
 * upstream request; piping an already-ended IncomingMessage costs a resume, a read and several
 * ticks per request, so a bodiless request just ends the upstream request (its headers go out
 * as soon as the socket is assigned). The client request is still drained by the server.
 */
const NO_BODY = { pipe(destination: { end(): void }): void { destination.end(); } };

/** One shared http-proxy-3 instance (also the WebSocket proxy): the hooks find their call on the request. */
export function createHttpProxy(): ProxyServer {
  const proxy = new ProxyServer({ xfwd: false, selfHandleResponse: true, prependPath: true });
  proxy.on('proxyReq', (proxyReq, req, _res, _options, socket) => (req as WithCall)[CALL]?.armed(proxyReq, socket));
  proxy.on('proxyRes', (proxyRes, req) => (req as WithCall)[CALL]?.response(proxyRes));
  proxy.on('error', () => {}); // every call passes its own callback; this only keeps a stray error from throwing
  return proxy;
}

export function sendWithHttpProxy3(request: UpstreamRequest, sink: UpstreamSink): UpstreamCall {
  const call = new Proxy3Call(request, sink);
  call.start();
  return call;
}

class Proxy3Call implements UpstreamCall {
  private proxyReq: ClientRequest | undefined;
  private proxyRes: IncomingMessage | undefined;
  private sink: UpstreamSink | undefined;
  /** Set by our own timers before they destroy the request: what the failure was. */
  private timedOut: 'connect-timeout' | 'server-timeout' | undefined;

  constructor(private readonly request: UpstreamRequest, sink: UpstreamSink) {
    this.sink = sink;
  }

  start(): void {
    const { node, server, body } = this.request;
    if (!node) throw new Error('the http-proxy-3 engine needs node:http objects');
    (node.req as WithCall)[CALL] = this;
    const options = { target: server.target, agent: server.agent, buffer: body ?? NO_BODY };
    node.proxy.web(node.req, node.res, options as never, (error: Error) => this.failed(error as NodeJS.ErrnoException, 'other'));
  }

  cancel(): void {
    this.sink = undefined;
    this.proxyReq?.destroy();
    this.proxyRes?.destroy();
  }

  resume(): void {
    this.proxyRes?.resume();
  }

  /** 'proxyReq': a socket is assigned. Connect timeout, server (inactivity) timeout. */
  armed(proxyReq: ClientRequest, socket: Socket): void {
    this.proxyReq = proxyReq;
    const { timeouts } = this.request;
    proxyReq.once('error', (error) => this.failed(error as NodeJS.ErrnoException, 'other'));
    if (socket.connecting) {
      const timer = setTimeout(() => {
        this.timedOut = 'connect-timeout';
        proxyReq.destroy(new Error('connect timeout'));
      }, timeouts.connect);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.sink?.connected();
      });
      socket.once('close', () => clearTimeout(timer));
    } else this.sink?.connected();
    proxyReq.setTimeout(timeouts.server, () => {
      this.timedOut = 'server-timeout';
      proxyReq.destroy(new Error('server timeout'));
    });
  }

  /** 'proxyRes': the head to the sink, then the body chunk by chunk (or dropped for a retry). */
  response(proxyRes: IncomingMessage): void {
    const sink = this.sink;
    if (!sink) {
      proxyRes.resume();
      return;
    }
    this.proxyRes = proxyRes;
    if (!sink.head(proxyRes.statusCode ?? 502, proxyRes.statusMessage ?? '', proxyRes.rawHeaders)) {
      this.sink = undefined;
      proxyRes.resume();
      return;
    }
    proxyRes.on('data', (chunk: Buffer) => {
      if (this.sink && !this.sink.body(chunk)) proxyRes.pause();
    });
    proxyRes.once('end', () => {
      const done = this.sink;
      this.sink = undefined;
      done?.end();
    });
    proxyRes.once('error', (error) => this.failed(error as NodeJS.ErrnoException, 'other'));
    proxyRes.once('aborted', () => this.failed(Object.assign(new Error('server closed the connection'), { code: 'ECONNRESET' }), 'other'));
  }

  private failed(error: NodeJS.ErrnoException, kind: 'connect-timeout' | 'server-timeout' | 'other'): void {
    const sink = this.sink;
    this.sink = undefined;
    sink?.fail(error, this.timedOut ?? kind);
  }
}
