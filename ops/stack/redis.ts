// Redis for the local stack: AOF on (appendfsync everysec), noeviction (BullMQ needs it),
// bound to loopback, data in <dir>/redis.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { ask, LOOPBACK, waitFor } from './net.js';
import { spawnDetached, stopPid } from './processes.js';

export interface RedisServerState {
  kind: 'redis';
  name: 'redis';
  port: number;
  pid?: number;
  dir: string;
}

export function redisArgs(port: number, dir: string): string[] {
  return [
    '--port', String(port),
    '--bind', LOOPBACK,
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction',
    '--save', '',
    '--protected-mode', 'yes',
    '--daemonize', 'no',
  ];
}

export async function startRedis(state: RedisServerState): Promise<RedisServerState> {
  const binary = requireBinary('redis-server');
  mkdirSync(state.dir, { recursive: true });
  const pid = spawnDetached(binary, redisArgs(state.port, state.dir), join(state.dir, 'redis.log'));
  await waitFor(`redis on port ${state.port} (log: ${join(state.dir, 'redis.log')})`, async () => (await ask(state.port, 'PING\r\n')).startsWith('+PONG'));
  return { ...state, pid };
}

export async function stopRedis(state: RedisServerState, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  await stopPid(state.pid, signal);
}
