// What the edge and its caller exchange: the client request as the edge reads it, the reply the
// caller writes to the client (the exchange stays the only writer to the client), and the
// origin the caller runs for the edge (the exchange's own path to the backend: balancing,
// retries, engines), reporting to a sink.
import type { IncomingHttpHeaders } from 'node:http';

export interface EdgeRequest {
  method: string;
  url: string;
  /** Lowercase names, repeated ones joined (node:http's shape). */
  headers: IncomingHttpHeaders;
  /** The headers for the origin as the exchange built them ([name, value, …]: forwarding headers, request id); default `headers`. */
  forward?: readonly string[];
}

export interface EdgeReply {
  /** The client went away (or its reply ended): nothing more is written. */
  readonly closed: boolean;
  head(status: number, headers: string[]): void;
  /** A body chunk; false = the client's buffer is full (onDrain tells when to go on). */
  write(chunk: Buffer): boolean;
  onDrain(listener: () => void): void;
  end(chunk?: Buffer): void;
  /** A gateway error before any head (502/503/504 with the origin's detail). */
  fail(status: number, detail: string): void;
  /** Cut a reply whose head went out (the origin broke mid-body). */
  abort(): void;
  /** Not for the edge: send the request the ordinary way, adding `headers` to the response. */
  pass(headers: string[]): void;
}

/** A GET the edge sends to the origin (a miss, a revalidation, a background refresh). */
export interface OriginRequest {
  method: 'GET';
  url: string;
  headers: Record<string, string>;
}

export interface OriginSink {
  /** The response head (hop-by-hop headers removed), names and values as sent. */
  head(status: number, headers: string[]): void;
  /** A body chunk; false = slow down (the call's resume() tells when to go on). */
  body(chunk: Buffer): boolean;
  end(): void;
  /** No response: the status the gateway would answer (502, 503, 504) and why. */
  error(status: number, detail: string): void;
}

export interface OriginCall {
  resume(): void;
  cancel(): void;
}

export type Origin = (request: OriginRequest, sink: OriginSink) => OriginCall;
