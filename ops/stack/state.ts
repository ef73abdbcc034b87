// The stack's state file (<dir>/stack.json): which servers, ports, pids and data folders, so
// that `status` and `down` (and a second `up`) find a stack started by another process.
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisServerState } from './redis.js';
import type { MemcachedServerState } from './memcached.js';
import type { PostgresServerState } from './postgres.js';

export type ServerState = RedisServerState | MemcachedServerState | PostgresServerState;

export interface StackState {
  version: 1;
  dir: string;
  ephemeral: boolean;
  createdAt: string;
  servers: ServerState[];
}

export const stateFile = (dir: string) => join(dir, 'stack.json');

export function readState(dir: string): StackState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StackState;
}

export function writeState(state: StackState): void {
  const file = stateFile(state.dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
