// The gateway suite's backends: small node:http processes the harness starts and owns.
//   fast[0..1]: two processes answering at once; each also listens on one shared SO_REUSEPORT
//               port, the "direct" target (the kernel spreads connections over both).
//   timed:      one process with four ports: three answering after 1 ms and one after 20 ms
//               (the slow-backend scenario: 1 of 3 backends 20× slower; the fourth 1 ms port
//               makes the all-healthy reference of 3 equal backends).
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../../../ops/stack/net.js';
import { startNodeScript, waitUntilListening, type OwnedProcess } from '../../process.js';
import type { BenchContext } from '../../suite.js';

const SERVER = fileURLToPath(new URL('../../servers/backend-server.ts', import.meta.url));

export const BASE_DELAY_MS = 1;
export const SLOW_FACTOR = 20;

export interface GatewayBackends {
  /** host:port of the two fast backends (throughput and latency scenarios). */
  fast: string[];
  /** URL of the shared reuse-port listener of the fast backends ("direct"). */
  directUrl: string;
  /** host:port of three 1 ms backends (all-healthy reference). */
  healthy: string[];
  /** host:port of two 1 ms backends and one 20 ms backend (slow-backend scenario). */
  withSlow: string[];
  /** Requests each timed backend answered so far, by host:port (the timed process's own count). */
  timedCounts(): Promise<Map<string, number>>;
  /** host:port of the 20x slow backend. */
  slow: string;
  processes: OwnedProcess[];
}

export async function startBackends(ctx: BenchContext): Promise<GatewayBackends> {
  const [f0, f1, shared, t0, t1, t2, slow] = await freePorts(7);
  const processes: OwnedProcess[] = [];
  try {
    const fast = [
      startNodeScript('backend-fast-0', SERVER, ['fast0', `${f0}:0`, String(shared)], { logDir: ctx.tmpDir }),
      startNodeScript('backend-fast-1', SERVER, ['fast1', `${f1}:0`, String(shared)], { logDir: ctx.tmpDir }),
    ];
    processes.push(...fast);
    const timedSpec = [`${t0}:${BASE_DELAY_MS}`, `${t1}:${BASE_DELAY_MS}`, `${t2}:${BASE_DELAY_MS}`, `${slow}:${BASE_DELAY_MS * SLOW_FACTOR}`].join(',');
    const timed = startNodeScript('backend-timed', SERVER, ['timed', timedSpec], { logDir: ctx.tmpDir });
    processes.push(timed);
    await Promise.all([
      waitUntilListening(fast[0], [f0, shared]),
      waitUntilListening(fast[1], [f1, shared]),
      waitUntilListening(timed, [t0, t1, t2, slow]),
    ]);
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop()));
    throw error;
  }
  const hp = (port: number) => `127.0.0.1:${port}`;
  return {
    fast: [hp(f0), hp(f1)],
    directUrl: `http://127.0.0.1:${shared}/`,
    healthy: [hp(t0), hp(t1), hp(t2)],
    withSlow: [hp(t0), hp(t1), hp(slow)],
    slow: hp(slow),
    async timedCounts() {
      // Asked on a 1 ms port: the process counts for all its ports (keys `timed:<port>`).
      const res = await fetch(`http://${hp(t0)}/__bench/count`);
      const counts = (await res.json()) as Record<string, number>;
      return new Map(Object.entries(counts).map(([name, n]) => [hp(Number(name.split(':')[1])), n]));
    },
    processes,
  };
}
