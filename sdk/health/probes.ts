// Probes for the active health checker: one attempt, true when the target looks healthy.
// HTTP: a request on its own short-lived connection, status in the expected range.
// TCP: a connect that completes within the timeout.
import net from 'node:net';
import { request } from 'undici';

/** What a probe found: passed or not, with a short code (HAProxy's `L4OK`, `L7STS`, …) and detail for the stats page. */
export interface ProbeResult {
  passed: boolean;
  code?: string;
  detail?: string;
  /** What a probe plugin learnt besides passed (the gateway's postgres probe: role and lag). */
  data?: unknown;
}

/** One health probe; must honour the abort signal (the checker's timeout). */
export type Probe = (signal: AbortSignal) => Promise<boolean | ProbeResult>;

export interface HttpProbeOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:3001 */
  url: string;
  path?: string;
  method?: string;
  /** Inclusive status range that passes (default 200–399, as HAProxy's `http-check expect status` default). */
  expect?: [number, number];
  headers?: Record<string, string>;
}

export function httpProbe(options: HttpProbeOptions): Probe {
  const target = new URL(options.path ?? '/', options.url).toString();
  const [low, high] = options.expect ?? [200, 399];
  return async (signal) => {
    try {
      const res = await request(target, {
        method: (options.method ?? 'GET') as 'GET',
        headers: { 'user-agent': 'tiered-health-check', connection: 'close', ...options.headers },
        signal,
      });
      res.body.resume();
      res.body.on('error', () => {});
      return res.statusCode >= low && res.statusCode <= high;
    } catch {
      return false;
    }
  };
}

export function tcpProbe(host: string, port: number): Probe {
  return (signal) =>
    new Promise<boolean>((resolve) => {
      if (signal.aborted) return resolve(false);
      const socket = net.connect({ host, port });
      const done = (ok: boolean) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(ok);
      };
      const onAbort = () => done(false);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
}
