// Specs and results of the load generators (shared by the harness and the worker processes).

export interface OpenLoadSpec {
  /** Full URL, e.g. http://127.0.0.1:8080/ */
  url: string;
  /** Arrival rate, requests/s. */
  rate: number;
  durationMs: number;
  /** Upper bound of connections (undici opens them as needed). */
  connections: number;
  /** A request not answered in this time counts as an error. */
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface ClosedLoadSpec {
  url: string;
  /** Concurrent connections, each sending its next request when the previous one is answered. */
  connections: number;
  durationMs: number;
  /** Load generator threads (wrk -t); 1 leaves the other cores to the system under test. */
  threads?: number;
  /** 'wrk' | 'autocannon'; default: wrk when installed, else autocannon. */
  tool?: 'wrk' | 'autocannon';
}

export interface LoadResult {
  tool: string;
  /** Successful requests (status < 400). */
  operations: number;
  errors: number;
  elapsedMs: number;
  /** hdr histogram in µs (open model). */
  histogram?: string;
  /** Open model: hdr histogram in µs measured from when each request was actually sent (no send lag). */
  serviceHistogram?: string;
  /** Percentiles in ms (closed model tools). */
  latency?: { points: Array<{ p: number; ms: number }>; meanMs?: number; maxMs?: number };
  offeredRate?: number;
  sent?: number;
  errorKinds?: Record<string, number>;
  /** Open model: how late the generator sent requests after their intended time, ms. */
  sendLagMs?: { p50: number; p99: number };
  /** Open model: CPU seconds the generator used (a saturated generator invalidates the run). */
  loadgenCpuSeconds?: number;
}
