// The gateway's probe plugins for the sdk's health checker (sdk/health): an HTTP request
// (method, path, expected status range) or a TCP connect. The checker's abort signal is the
// timeout. Results carry HAProxy's check status codes; a probe never rejects. The PostgreSQL
// role-and-lag probe is in tcp/postgres-check.ts.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Probe, ProbeResult } from '../../sdk/health/probes.js';

export interface HttpProbeSpec {
  method: string;
  path: string;
  host?: string;
  expect: { min: number; max: number };
  timeout: number;
}

const L4_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

export function httpCheckProbe(host: string, port: number, check: HttpProbeSpec): Probe {
  return (signal) => new Promise<ProbeResult>((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const req = request({
      host, port, method: check.method, path: check.path, agent: false,
      headers: { host: check.host ?? `${host}:${port}`, 'user-agent': 'tiered-health-check', connection: 'close' },
    }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('error', () => {});
      const ms = Math.round(performance.now() - started);
      const ok = status >= check.expect.min && status <= check.expect.max;
      finish({ passed: ok, code: ok ? 'L7OK' : 'L7STS', detail: `${status} in ${ms}ms` });
    });
    const onAbort = () => {
      const connected = req.socket && !req.socket.connecting;
      finish({ passed: false, code: connected ? 'L7TOUT' : 'L4TOUT', detail: `no answer within ${check.timeout}ms` });
      req.destroy();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish({ passed: false, code: L4_ERRORS.has(error.code ?? '') ? 'L4CON' : 'L7RSP', detail: error.code ?? error.message });
    });
    req.end();
  });
}

export function tcpCheckProbe(host: string, port: number, timeout: number): Probe {
  return (signal) => new Promise<ProbeResult>((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => finish({ passed: false, code: 'L4TOUT', detail: `no connection within ${timeout}ms` });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ passed: true, code: 'L4OK', detail: 'connected' }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ passed: false, code: 'L4CON', detail: error.code ?? error.message }));
  });
}
