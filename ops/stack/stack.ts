// The local stack of real servers: `up` (start or resume), `down` (stop cleanly) and
// `status` (pid, port, role, replica lag) over one folder. Start-up order: Redis, memcached,
// PostgreSQL primary, then its replica; shutdown in reverse.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StackError } from '../errors.js';
import { freePorts, isListening, LOOPBACK } from './net.js';
import { isAlive } from './processes.js';
import { readState, writeState, type ServerState, type StackState } from './state.js';
import { startRedis, stopRedis, type RedisServerState } from './redis.js';
import { startMemcached, stopMemcached, type MemcachedServerState } from './memcached.js';
import { openForPostgresUser, postgresUrl, startPrimary, startReplica, stopPostgres, type PostgresServerState } from './postgres.js';
import { requireBinary } from './binaries.js';

export interface StackOptions {
  /** Folder for data, logs and stack.json; default `.tiered`. Ignored with `ephemeral`. */
  dir?: string;
  /** Free ports and a temporary folder; the data is thrown away by `down`. */
  ephemeral?: boolean;
  redis?: boolean | { port?: number };
  memcached?: number | { count?: number; port?: number; memoryMb?: number };
  postgres?: boolean | { port?: number; replicaPort?: number; replica?: boolean };
  /** Called as each server comes up (progress for the CLI). */
  onProgress?: (message: string) => void;
}

export interface StackSummary {
  dir: string;
  ephemeral: boolean;
  redis?: { host: string; port: number; url: string; pid?: number };
  memcached: { host: string; port: number; address: string; pid?: number }[];
  postgres?: {
    primary: { host: string; port: number; url: string; pid?: number; dataDir: string };
    replica?: { host: string; port: number; url: string; pid?: number; dataDir: string };
  };
}

const DEFAULTS = { redis: 6379, memcached: 11211, postgres: 5432, replica: 5433 };

function planServers(dir: string, options: StackOptions, ports: Map<string, number>): ServerState[] {
  const servers: ServerState[] = [];
  if (options.redis !== false) servers.push({ kind: 'redis', name: 'redis', port: ports.get('redis')!, dir: join(dir, 'redis') });
  const mc = typeof options.memcached === 'number' ? { count: options.memcached } : (options.memcached ?? {});
  for (let i = 0; i < (mc.count ?? 1); i++) {
    servers.push({ kind: 'memcached', name: `memcached:${i}`, port: ports.get(`memcached:${i}`)!, dir: join(dir, 'memcached'), memoryMb: mc.memoryMb ?? 64 });
  }
  const pg = typeof options.postgres === 'object' ? options.postgres : {};
  if (options.postgres !== false) {
    const fast = options.ephemeral === true;
    servers.push({ kind: 'postgres', name: 'primary', role: 'primary', port: ports.get('primary')!, dir: join(dir, 'pg-primary'), fast });
    if (pg.replica !== false) servers.push({ kind: 'postgres', name: 'replica', role: 'replica', port: ports.get('replica')!, dir: join(dir, 'pg-replica'), fast });
  }
  return servers;
}

async function choosePorts(options: StackOptions): Promise<Map<string, number>> {
  const mc = typeof options.memcached === 'number' ? { count: options.memcached } : (options.memcached ?? {});
  const count = mc.count ?? 1;
  const names = ['redis', ...Array.from({ length: count }, (_, i) => `memcached:${i}`), 'primary', 'replica'];
  const ports = new Map<string, number>();
  if (options.ephemeral) {
    const free = await freePorts(names.length);
    names.forEach((name, i) => ports.set(name, free[i]));
    return ports;
  }
  const pg = typeof options.postgres === 'object' ? options.postgres : {};
  const redis = typeof options.redis === 'object' ? options.redis : {};
  ports.set('redis', redis.port ?? DEFAULTS.redis);
  for (let i = 0; i < count; i++) ports.set(`memcached:${i}`, mc.port === 0 ? 0 : (mc.port ?? DEFAULTS.memcached) + i);
  ports.set('primary', pg.port ?? DEFAULTS.postgres);
  ports.set('replica', pg.replicaPort ?? DEFAULTS.replica);
  // Port 0 means a free port, chosen here, just before the servers start (as `listen: :0` does).
  const unset = names.filter((name) => ports.get(name) === 0);
  const free = unset.length > 0 ? await freePorts(unset.length) : [];
  unset.forEach((name, i) => ports.set(name, free[i]));
  return ports;
}

/** Checks that every binary is there before starting anything (clear error, exit 2). */
function checkBinaries(servers: ServerState[]): void {
  const kinds = new Set(servers.map((s) => s.kind));
  if (kinds.has('redis')) requireBinary('redis-server');
  if (kinds.has('memcached')) requireBinary('memcached');
  if (kinds.has('postgres')) ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup'].forEach(requireBinary);
}

async function startServer(server: ServerState, all: ServerState[]): Promise<ServerState> {
  switch (server.kind) {
    case 'redis':
      return startRedis(server);
    case 'memcached':
      return startMemcached(server);
    case 'postgres': {
      if (server.name === 'primary') return startPrimary(server);
      const primary = all.find((s) => s.kind === 'postgres' && s.name === 'primary')!;
      return startReplica(server, primary.port);
    }
  }
}

/** Starts one server of a stack (again), recording its pid. */
export async function startOne(state: StackState, name: string): Promise<ServerState> {
  const index = state.servers.findIndex((s) => s.name === name);
  if (index < 0) throw new StackError(`no server named ${name} in the stack at ${state.dir}`);
  const started = await startServer(state.servers[index], state.servers);
  state.servers[index] = started;
  writeState(state);
  return started;
}

export async function stopOne(state: StackState, name: string, signal?: NodeJS.Signals): Promise<void> {
  const server = state.servers.find((s) => s.name === name);
  if (!server) throw new StackError(`no server named ${name} in the stack at ${state.dir}`);
  if (server.kind === 'redis') await stopRedis(server, signal);
  else if (server.kind === 'memcached') await stopMemcached(server, signal);
  else await stopPostgres(server, signal);
}

/** Starts the stack, or resumes the one already in `dir` (same ports, same data). */
export async function stackUp(options: StackOptions = {}): Promise<StackState> {
  const dir = options.ephemeral ? mkdtempSync(join(tmpdir(), 'tiered-stack-')) : resolve(options.dir ?? '.tiered');
  mkdirSync(dir, { recursive: true });
  openForPostgresUser(dir);
  const previous = options.ephemeral ? undefined : readState(dir);
  const state: StackState = previous ?? {
    version: 1, dir, ephemeral: options.ephemeral === true, createdAt: new Date().toISOString(),
    servers: planServers(dir, options, await choosePorts(options)),
  };
  checkBinaries(state.servers);
  writeState(state);
  try {
    for (const server of state.servers) {
      if (server.kind !== 'postgres' && isAlive(server.pid) && (await isListening(server.port))) continue;
      if (!(server.kind === 'postgres' && isAlive(server.pid)) && (await isListening(server.port))) {
        throw new StackError(`port ${server.port} (${server.name}) is already in use by another process: pick another port or stop it`);
      }
      options.onProgress?.(`starting ${server.name} on ${LOOPBACK}:${server.port}`);
      await startOne(state, server.name);
    }
  } catch (error) {
    // Servers started before the failure (Redis and memcached before an initdb that failed) are
    // stopped again: a failed start leaves no process behind (data is kept unless ephemeral).
    await stackDown(dir, { purge: options.ephemeral === true }).catch(() => {});
    throw error;
  }
  return state;
}

/** Stops every server of the stack in `dir` (replica first); `purge` also removes the folder. */
export async function stackDown(dir: string, options: { purge?: boolean; onProgress?: (m: string) => void } = {}): Promise<void> {
  const state = readState(resolve(dir));
  if (!state) throw new StackError(`no stack in ${resolve(dir)} (no stack.json there)`);
  for (const server of [...state.servers].reverse()) {
    options.onProgress?.(`stopping ${server.name}`);
    await stopOne(state, server.name);
    server.pid = undefined;
  }
  writeState(state);
  if (options.purge || state.ephemeral) rmSync(state.dir, { recursive: true, force: true });
}

export function summarize(state: StackState): StackSummary {
  const summary: StackSummary = { dir: state.dir, ephemeral: state.ephemeral, memcached: [] };
  for (const s of state.servers) {
    if (s.kind === 'redis') summary.redis = { host: LOOPBACK, port: s.port, url: `redis://${LOOPBACK}:${s.port}`, pid: s.pid };
    if (s.kind === 'memcached') summary.memcached.push({ host: LOOPBACK, port: s.port, address: `${LOOPBACK}:${s.port}`, pid: s.pid });
    if (s.kind === 'postgres') {
      const entry = { host: LOOPBACK, port: s.port, url: postgresUrl(s.port), pid: s.pid, dataDir: join(s.dir, 'data') };
      summary.postgres ??= { primary: entry };
      if (s.name === 'primary') summary.postgres.primary = entry;
      else summary.postgres.replica = entry;
    }
  }
  return summary;
}

export type { StackState, ServerState, RedisServerState, MemcachedServerState, PostgresServerState };
