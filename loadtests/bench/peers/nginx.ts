// nginx `proxy_cache` as a peer (for edge-cache suites): a config written to the run's temp folder
// (cache, temp folders, error log and pid file all there), started in the foreground
// (`daemon off`) with worker_processes = the run's workers, the cache on disk in the temp folder
// (page cache: hits are memory reads) with `proxy_cache_lock on` (one fetch per new object) and
// `proxy_cache_use_stale updating` + `proxy_cache_background_update on` (one background refresh
// per expired object: what Varnish's default grace and Tiered's `grace` do). When the harness runs
// as root, nginx's workers run as `nobody`, so the working folder is made writable for them.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, requireBinary } from '../../../ops/stack/binaries.js';
import { freePort } from '../../../ops/stack/net.js';
import { startProcess, waitUntilListening } from '../process.js';
import type { Peer } from '../suite.js';
import type { HttpTarget } from '../loadgen/measure.js';

export interface NginxOptions {
  name?: string;
  /** Upstreams as host:port. */
  servers: string[];
  /** Worker processes; default the run's workers. */
  workers?: number;
  /** proxy_cache_valid for 200 (used when the origin gives no Cache-Control/Expires); default 1h. */
  valid?: string;
  /** Cache zone max_size (default 256m). */
  maxSize?: string;
}

export function nginxConfig(options: NginxOptions & { port: number; dir: string; workers: number }): string {
  const d = options.dir;
  return [
    'daemon off;',
    'master_process on;',
    `worker_processes ${options.workers};`,
    `pid ${join(d, 'nginx.pid')};`,
    `error_log ${join(d, 'error.log')} warn;`,
    'worker_rlimit_nofile 16384;',
    'events { worker_connections 8192; multi_accept on; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${join(d, 'client_body')};`,
    `  proxy_temp_path ${join(d, 'proxy_temp')};`,
    `  fastcgi_temp_path ${join(d, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(d, 'uwsgi')};`,
    `  scgi_temp_path ${join(d, 'scgi')};`,
    '  keepalive_timeout 65s;',
    '  keepalive_requests 1000000;',
    `  proxy_cache_path ${join(d, 'cache')} levels=1:2 keys_zone=edge:16m max_size=${options.maxSize ?? '256m'} inactive=1h use_temp_path=off;`,
    '  upstream origin {',
    ...options.servers.map((s) => `    server ${s};`),
    '    keepalive 64;',
    '  }',
    '  server {',
    `    listen 127.0.0.1:${options.port} backlog=4096;`,
    '    location / {',
    '      proxy_pass http://origin;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_cache edge;',
    `      proxy_cache_valid 200 ${options.valid ?? '1h'};`,
    '      proxy_cache_lock on;',
    '      proxy_cache_use_stale updating error timeout;',
    '      proxy_cache_background_update on;',
    '      add_header X-Cache $upstream_cache_status;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export function nginxPeer(options: NginxOptions): Peer<HttpTarget> {
  const name = options.name ?? 'nginx';
  return {
    name,
    description: `nginx proxy_cache (lock on, use_stale updating, background_update), worker_processes = workers, ${options.servers.length} servers`,
    unavailable: () => (findBinary('nginx') ? undefined : 'nginx not installed: bash ops/install-deps --bench (or apt-get install -y nginx)'),
    async start(ctx) {
      const binary = requireBinary('nginx');
      const port = await freePort();
      const dir = join(ctx.tmpDir, name.replace(/[^\w.-]+/g, '_'));
      mkdirSync(dir, { recursive: true });
      chmodSync(ctx.tmpDir, 0o755);
      chmodSync(dir, 0o777);
      const file = join(dir, 'nginx.conf');
      writeFileSync(file, nginxConfig({ ...options, port, dir, workers: options.workers ?? ctx.workers }));
      // -e: the error log before the config is read (else the distro's /var/log/nginx/error.log).
      const proc = startProcess(name, binary, ['-p', dir, '-e', join(dir, 'error.log'), '-c', file], { logDir: ctx.tmpDir });
      await waitUntilListening(proc, [port], 30_000);
      return { target: { url: `http://127.0.0.1:${port}/` }, pids: [proc.pid], stop: () => proc.stop() };
    },
  };
}
