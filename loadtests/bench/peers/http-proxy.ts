// Bare http-proxy-3 with a keep-alive agent, round robin over the backends, in its own process.
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../ops/stack/net.js';
import { startNodeScript, waitUntilListening } from '../process.js';
import type { Peer } from '../suite.js';
import type { HttpTarget } from '../loadgen/measure.js';

const SERVER = fileURLToPath(new URL('../servers/http-proxy-server.ts', import.meta.url));

export function httpProxyPeer(backendUrls: string[], name = 'http-proxy-3'): Peer<HttpTarget> {
  return {
    name,
    description: `bare http-proxy-3 (one Node process), keep-alive agent, round robin over ${backendUrls.length} backends`,
    async start(ctx) {
      const port = await freePort();
      const proc = startNodeScript(name, SERVER, [String(port), backendUrls.join(',')], { logDir: ctx.tmpDir });
      await waitUntilListening(proc, [port]);
      return { target: { url: `http://127.0.0.1:${port}/` }, pids: [proc.pid], stop: () => proc.stop() };
    },
  };
}
