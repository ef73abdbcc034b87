// Ready-made `measure` functions for HTTP scenarios: point them at a peer's { url } target.
import type { MeasureRun, Sample } from '../suite.js';
import { closedLoad } from './closed.js';
import { openLoad, toSample } from './open.js';

/** The target of every HTTP peer: the URL the load generator requests. */
export interface HttpTarget {
  url: string;
}

export interface OpenModelOptions {
  /** Requests/s; default: the run's --rate (1000). */
  rate?: number;
  /** Connection cap of the load generator (default 64). */
  connections?: number;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** Fixed arrival rate, latency from the intended send time (coordinated omission corrected). */
export function openModel(options: OpenModelOptions = {}) {
  return async (target: HttpTarget, run: MeasureRun): Promise<Sample> => {
    const result = await openLoad({
      url: target.url,
      rate: options.rate ?? run.ctx.options.rate,
      durationMs: run.durationMs,
      connections: options.connections,
      timeoutMs: options.timeoutMs,
      headers: options.headers,
      signal: run.ctx.signal,
    });
    return toSample(result, run.durationMs);
  };
}

export interface ClosedModelOptions {
  /** Concurrent connections; default: the run's --connections (32). */
  connections?: number;
  threads?: number;
  tool?: 'wrk' | 'autocannon';
}

/** Saturation throughput: N connections back to back (wrk, else autocannon). */
export function closedModel(options: ClosedModelOptions = {}) {
  return async (target: HttpTarget, run: MeasureRun): Promise<Sample> => {
    const result = await closedLoad({
      url: target.url,
      connections: options.connections ?? run.ctx.options.connections,
      durationMs: run.durationMs,
      threads: options.threads,
      tool: options.tool,
      tmpDir: run.ctx.tmpDir,
      signal: run.ctx.signal,
    });
    return toSample(result);
  };
}
