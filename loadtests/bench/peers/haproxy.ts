// HAProxy as a peer, HTTP or TCP mode: config written to the run's temp folder, started in the
// foreground (-db) by the harness, `nbthread` = the run's workers (Tiered's worker count), so both
// get the same cores. The db suite uses it in TCP mode in front of PostgreSQL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, requireBinary } from '../../../ops/stack/binaries.js';
import { freePort } from '../../../ops/stack/net.js';
import { startProcess, waitUntilListening } from '../process.js';
import type { BenchContext, Peer } from '../suite.js';
import type { HttpTarget } from '../loadgen/measure.js';

export interface HaproxyOptions {
  /** Row label (default 'haproxy'). */
  name?: string;
  mode?: 'http' | 'tcp';
  /** roundrobin, leastconn, first, random(2)... */
  balance?: string;
  /** Upstreams as host:port. */
  servers: string[];
  /** Threads; default ctx.workers. */
  threads?: number;
  /** Extra lines for the backend section (e.g. 'option httpchk GET /health'). */
  backendLines?: string[];
  /** Extra words on each server line (e.g. 'check inter 1s', 'maxconn 100'). */
  serverOptions?: string;
}

export function haproxyConfig(options: HaproxyOptions & { port: number; threads: number }): string {
  const mode = options.mode ?? 'http';
  const lines = [
    'global',
    `  nbthread ${options.threads}`,
    '  maxconn 8192',
    '',
    'defaults',
    `  mode ${mode}`,
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    ...(mode === 'http' ? ['  timeout http-keep-alive 60s', '  option http-keep-alive', '  http-reuse always'] : []),
    '',
    'frontend fe',
    `  bind 127.0.0.1:${options.port}`,
    '  default_backend be',
    '',
    'backend be',
    `  balance ${options.balance ?? 'roundrobin'}`,
    ...(options.backendLines ?? []).map((l) => `  ${l}`),
    ...options.servers.map((s, i) => `  server s${i} ${s}${options.serverOptions ? ` ${options.serverOptions}` : ''}`),
    '',
  ];
  return lines.join('\n');
}


/** A peer whose target is `{ url: 'http://127.0.0.1:<port>/' }` (also usable as host:port in TCP mode). */
export function haproxyPeer(options: HaproxyOptions): Peer<HttpTarget & { port: number }> {
  const name = options.name ?? 'haproxy';
  return {
    name,
    description: `HAProxy ${options.mode ?? 'http'} mode, balance ${options.balance ?? 'roundrobin'}, ${options.servers.length} servers, keep-alive + http-reuse always, nbthread = workers`,
    unavailable: () => (findBinary('haproxy') ? undefined : 'haproxy not installed: bash ops/install-deps --bench (or apt-get install -y haproxy)'),
    async start(ctx: BenchContext) {
      const binary = requireBinary('haproxy');
      const port = await freePort();
      const threads = options.threads ?? ctx.workers;
      const file = join(ctx.tmpDir, `${name.replace(/[^\w.-]+/g, '_')}.cfg`);
      writeFileSync(file, haproxyConfig({ ...options, port, threads }));
      const proc = startProcess(name, binary, ['-db', '-f', file], { logDir: ctx.tmpDir });
      await waitUntilListening(proc, [port]);
      return { target: { url: `http://127.0.0.1:${port}/`, port }, pids: [proc.pid], stop: () => proc.stop() };
    },
  };
}
