import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nginxConfig } from './nginx.js';

test('nginxConfig: foreground, workers, cache and pid in the folder, lock on, one upstream per server', () => {
  const conf = nginxConfig({ servers: ['127.0.0.1:8001', '127.0.0.1:8002'], port: 9000, dir: '/tmp/x', workers: 2 });
  assert.match(conf, /^daemon off;/);
  assert.match(conf, /worker_processes 2;/);
  assert.match(conf, /pid \/tmp\/x\/nginx\.pid;/);
  assert.match(conf, /error_log \/tmp\/x\/error\.log/);
  assert.match(conf, /proxy_cache_path \/tmp\/x\/cache /);
  assert.match(conf, /proxy_cache_valid 200 1h;/);
  assert.match(conf, /proxy_cache_lock on;/);
  assert.match(conf, /server 127\.0\.0\.1:8001;\n\s+server 127\.0\.0\.1:8002;/);
  assert.match(conf, /listen 127\.0\.0\.1:9000 /);
});
