// memcached instances for the local stack: loopback only, no UDP.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { ask, LOOPBACK, waitFor } from './net.js';
import { spawnDetached, stopPid } from './processes.js';

export interface MemcachedServerState {
  kind: 'memcached';
  name: string; // memcached:0, memcached:1, …
  port: number;
  pid?: number;
  dir: string;
  memoryMb: number;
}

export function memcachedArgs(port: number, memoryMb: number): string[] {
  const args = ['-l', LOOPBACK, '-p', String(port), '-U', '0', '-m', String(memoryMb), '-c', '4096'];
  // memcached refuses to run as root unless told which user to become.
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  return args;
}

export async function startMemcached(state: MemcachedServerState): Promise<MemcachedServerState> {
  const binary = requireBinary('memcached');
  mkdirSync(state.dir, { recursive: true });
  const log = join(state.dir, `${state.name.replace(':', '-')}.log`);
  const pid = spawnDetached(binary, memcachedArgs(state.port, state.memoryMb), log);
  await waitFor(`memcached on port ${state.port} (log: ${log})`, async () => (await ask(state.port, 'version\r\n')).startsWith('VERSION'));
  return { ...state, pid };
}

export async function stopMemcached(state: MemcachedServerState, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  await stopPid(state.pid, signal);
}
