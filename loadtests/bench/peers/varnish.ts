// Varnish as a peer (for edge-cache suites): a VCL written to the run's temp folder with the
// backends as a round-robin director, started in the foreground (-F) with malloc storage. When
// the harness runs as root, Varnish's own jail drops the worker to its `vcache` user, so the
// working folder is made readable for it.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, requireBinary } from '../../../ops/stack/binaries.js';
import { freePort } from '../../../ops/stack/net.js';
import { startProcess, waitUntilListening } from '../process.js';
import type { Peer } from '../suite.js';
import type { HttpTarget } from '../loadgen/measure.js';

export interface VarnishOptions {
  name?: string;
  /** Upstreams as host:port. */
  servers: string[];
  /** Cache storage size (default 256m). */
  storage?: string;
  /** Extra VCL appended after the generated backends and vcl_init (e.g. a vcl_recv with PURGE). */
  vcl?: string;
  /** Worker threads per pool (-p thread_pool_min); default Varnish's. */
  threads?: number;
}

export function varnishVcl(options: VarnishOptions): string {
  const lines = ['vcl 4.1;', 'import directors;', ''];
  options.servers.forEach((s, i) => {
    const [host, port] = s.split(':');
    lines.push(`backend b${i} { .host = "${host}"; .port = "${port}"; }`);
  });
  lines.push('', 'sub vcl_init {', '  new pool = directors.round_robin();');
  options.servers.forEach((_, i) => lines.push(`  pool.add_backend(b${i});`));
  lines.push('}', '', 'sub vcl_recv {', '  set req.backend_hint = pool.backend();', '}', '');
  if (options.vcl) lines.push(options.vcl, '');
  return lines.join('\n');
}

export function varnishPeer(options: VarnishOptions): Peer<HttpTarget> {
  const name = options.name ?? 'varnish';
  return {
    name,
    description: `Varnish, round-robin director over ${options.servers.length} servers, malloc ${options.storage ?? '256m'}`,
    unavailable: () => (findBinary('varnishd') ? undefined : 'varnishd not installed: bash ops/install-deps --bench (or apt-get install -y varnish)'),
    async start(ctx) {
      const binary = requireBinary('varnishd');
      const port = await freePort();
      const dir = join(ctx.tmpDir, name.replace(/[^\w.-]+/g, '_'));
      mkdirSync(dir, { recursive: true });
      chmodSync(ctx.tmpDir, 0o755);
      chmodSync(dir, 0o755);
      const vcl = join(dir, 'default.vcl');
      writeFileSync(vcl, varnishVcl(options));
      chmodSync(vcl, 0o644);
      const args = ['-F', '-n', join(dir, 'work'), '-a', `127.0.0.1:${port}`, '-f', vcl, '-s', `malloc,${options.storage ?? '256m'}`];
      if (options.threads) args.push('-p', `thread_pool_min=${options.threads}`);
      const proc = startProcess(name, binary, args, { logDir: ctx.tmpDir });
      await waitUntilListening(proc, [port], 30_000);
      return { target: { url: `http://127.0.0.1:${port}/` }, pids: [proc.pid], stop: () => proc.stop() };
    },
  };
}
