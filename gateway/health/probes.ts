// One active check of one server: an HTTP request (method, path, expected status range) or a
// TCP connect, bounded by a timeout. Resolves with HAProxy's check status codes, never rejects.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { CheckStatus } from '../backend/server.js';

export interface ProbeResult {
  passed: boolean;
  status: CheckStatus;
  detail: string;
}

export interface HttpProbe {
  method: string;
  path: string;
  host?: string;
  expect: { min: number; max: number };
  timeout: number;
}

export function probeHttp(host: string, port: number, check: HttpProbe): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = request({
      host, port, method: check.method, path: check.path, agent: false,
      headers: { host: check.host ?? `${host}:${port}`, 'user-agent': 'tiered-health-check', connection: 'close' },
    }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      const ms = Math.round(performance.now() - started);
      const ok = status >= check.expect.min && status <= check.expect.max;
      finish({ passed: ok, status: ok ? 'L7OK' : 'L7STS', detail: `${status} in ${ms}ms` });
      res.on('error', () => {});
    });
    const timer = setTimeout(() => {
      const connected = req.socket && !req.socket.connecting;
      finish({ passed: false, status: connected ? 'L7TOUT' : 'L4TOUT', detail: `no answer within ${check.timeout}ms` });
      req.destroy();
    }, check.timeout);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const l4 = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].includes(error.code ?? '');
      finish({ passed: false, status: l4 ? 'L4CON' : 'L7RSP', detail: error.code ?? error.message });
    });
    req.end();
  });
}

export function probeTcp(host: string, port: number, timeout: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ passed: false, status: 'L4TOUT', detail: `no connection within ${timeout}ms` });
    }, timeout);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ passed: true, status: 'L4OK', detail: 'connected' });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ passed: false, status: 'L4CON', detail: error.code ?? error.message });
    });
  });
}
