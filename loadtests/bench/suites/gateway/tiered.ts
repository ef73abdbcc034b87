// Tiered's row in the gateway suite: `tiered gateway -c <file>` (the CLI, as a user runs it) on a
// free port in front of `options.servers`, with the run's worker count and the given balancing.
// Like the HAProxy peer it writes no access log and runs no active checks (passive checks, the
// retry budget, request ids, forwarded headers and stats stay on: the features are priced in).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../../ops/stack/net.js';
import { startTiered, waitUntilListening } from '../../process.js';
import type { Peer } from '../../suite.js';
import type { HttpTarget } from '../../loadgen/measure.js';

export interface TieredGatewayPeerOptions {
  /** Row label, e.g. 'tiered' or 'tiered (slow backend)'. */
  name: string;
  /** Upstreams as host:port. */
  servers: string[];
  /** 'default' = Tiered's own default (P2C-EWMA); or a named picker for a like-for-like row. */
  balance: string;
  /** What carries requests to the servers; default: Tiered's default (native). */
  engine?: 'native' | 'undici' | 'http-proxy-3';
  /** The client side: Tiered's own llhttp server (native, the default) or node:http. */
  server?: 'native' | 'node';
}

export function tieredGatewayConfig(options: TieredGatewayPeerOptions & { port: number; workers: number }): string {
  return [
    'gateway:',
    `  workers: ${options.workers}`,
    '  accessLog: false',
    '  frontends:',
    `    - { name: web, listen: "127.0.0.1:${options.port}", backend: app${options.server ? `, server: ${options.server}` : ''} }`,
    '  backends:',
    '    - name: app',
    ...(options.balance === 'default' ? [] : [`      balance: ${options.balance}`]),
    ...(options.engine ? [`      engine: ${options.engine}`] : []),
    '      servers:',
    ...options.servers.map((s, i) => `        - { name: s${i}, address: "${s}" }`),
    '',
  ].join('\n');
}

export function tieredGatewayPeer(options: TieredGatewayPeerOptions): Peer<HttpTarget> {
  return {
    name: options.name,
    description: `tiered gateway (${options.balance === 'default' ? 'p2c-ewma, the default' : options.balance}; ${options.engine ?? 'native'} engine${options.engine ? '' : ', the default'}), ${options.servers.length} servers, workers = run's workers, no access log`,
    async start(ctx) {
      const port = await freePort();
      const file = join(ctx.tmpDir, `${options.name.replace(/[^\w.-]+/g, '_')}.yaml`);
      writeFileSync(file, tieredGatewayConfig({ ...options, port, workers: ctx.workers }));
      const proc = startTiered(options.name, ['gateway', '-c', file], { logDir: ctx.tmpDir });
      await waitUntilListening(proc, [port], 120_000); // tsx compiles the CLI at start: slow on a loaded machine
      return { target: { url: `http://127.0.0.1:${port}/` }, pids: [proc.pid], stop: () => proc.stop() };
    },
  };
}
