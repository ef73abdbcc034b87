// The seam between the exchange and the upstream engines. An engine carries one attempt's
// request to a server and reports what happens to a sink the exchange implements (connected,
// response head, body chunks, end, failure); it never writes to the client. The exchange finds
// its engine here by the backend's `engine` setting and imports none of them; gateway.ts
// registers the three (native, undici, http-proxy-3) once at start.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PassThrough } from 'node:stream';
import type { ProxyServer } from 'http-proxy-3';
import type { ServerRuntime } from '../backend/server.js';

export type EngineName = 'native' | 'undici' | 'http-proxy-3';

/** One attempt's request, as the exchange hands it to an engine. */
export interface UpstreamRequest {
  server: ServerRuntime;
  method: string;
  /** The request target as the client sent it. */
  url: string;
  /** The request headers for the server, [name, value, …] (hop-by-hop removed, forwarding headers added). */
  headers: string[];
  /** The client sent no Host header: the server's authority goes in its place. */
  hostMissing: boolean;
  /** The request body, flowing once the server is connected (undefined: none). */
  body: PassThrough | undefined;
  /** A body without Content-Length (it goes out chunked). */
  chunked: boolean;
  timeouts: { connect: number; server: number };
  /** http-proxy-3 only: node:http's request and response, and the shared proxy (its web pass needs them). */
  node?: { req: IncomingMessage; res: ServerResponse; proxy: ProxyServer };
}

/** Why an attempt failed, as far as the engine can tell. */
export type FailureKind = 'connect-timeout' | 'server-timeout' | 'other';

/** What an engine reports to; implemented by the exchange's attempt. */
export interface UpstreamSink {
  /** The request went out on a connection: the request body may flow. */
  connected(): void;
  /** A response head, [name, value, …] as sent (1xx included). false: the response is not wanted (a retry): drop it. */
  head(status: number, statusText: string, headers: readonly string[]): boolean;
  /** A body chunk; false: the client's buffer is full, pause until the call's resume(). */
  body(chunk: Buffer): boolean;
  /** The response is complete. */
  end(): void;
  /** The attempt failed (no call after this). */
  fail(error: NodeJS.ErrnoException, kind: FailureKind): void;
}

/** An attempt in progress, as the exchange controls it. */
export interface UpstreamCall {
  /** The client went away: stop, and let the connection go. */
  cancel(): void;
  /** The client drained: read the server again. */
  resume(): void;
}

export type UpstreamEngine = (request: UpstreamRequest, sink: UpstreamSink) => UpstreamCall;

const engines = new Map<EngineName, UpstreamEngine>();

export function registerEngine(name: EngineName, send: UpstreamEngine): void {
  engines.set(name, send);
}

/** The engine for `name` (config validation only lets registered names through). */
export function engine(name: EngineName): UpstreamEngine {
  const send = engines.get(name);
  if (!send) throw new Error(`upstream engine ${name} is not registered (gateway.ts registers every engine at start)`);
  return send;
}
