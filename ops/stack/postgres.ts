// PostgreSQL for the local stack: a primary and one streaming replica (initdb, then
// pg_basebackup -R with a physical replication slot), loopback only, trust authentication
// for the `postgres` superuser (a development stack: never expose it).
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { LOOPBACK } from './net.js';
import { isAlive, runCommand, stopPid, waitForExit, type RunAs } from './processes.js';
import { chownTree, postgresRunAs } from './run-as.js';

export interface PostgresServerState {
  kind: 'postgres';
  name: 'primary' | 'replica';
  role: 'primary' | 'replica';
  port: number;
  pid?: number;
  /** The folder holding data/, run/ and the log of this server. */
  dir: string;
  /** Durability traded for speed (fsync off): only for throw-away stacks. */
  fast: boolean;
}

export const REPLICATION_SLOT = 'tiered_replica';

export function postgresUrl(port: number, database = 'postgres'): string {
  return `postgres://postgres@${LOOPBACK}:${port}/${database}`;
}

const dataDir = (s: PostgresServerState) => join(s.dir, 'data');
const runDir = (s: PostgresServerState) => join(s.dir, 'run');
const logFile = (s: PostgresServerState) => join(s.dir, 'postgres.log');

const HBA = `# Tiered development stack: trust on loopback only.
local   all          all                 trust
host    all          all   127.0.0.1/32  trust
host    all          all   ::1/128       trust
local   replication  all                 trust
host    replication  all   127.0.0.1/32  trust
host    replication  all   ::1/128       trust
`;

function serverConf(s: PostgresServerState): string {
  const lines = [
    '# added by tiered stack',
    `listen_addresses = '${LOOPBACK}'`,
    `port = ${s.port}`,
    `unix_socket_directories = '${runDir(s)}'`,
    'wal_level = replica',
    'max_wal_senders = 10',
    'max_replication_slots = 10',
    'hot_standby = on',
    'hot_standby_feedback = on',
    "wal_keep_size = '128MB'",
    'max_connections = 200',
    "shared_buffers = '64MB'",
    'log_min_messages = warning',
    'log_min_error_statement = panic',
  ];
  // synchronous_commit stays on: commit LSNs then match what replicas receive (read-your-writes).
  if (s.fast) lines.push('fsync = off', 'full_page_writes = off');
  return `${lines.join('\n')}\n`;
}

/** Folder owned by the PostgreSQL user, traversable on the way there. */
function prepareDir(s: PostgresServerState, runAs: RunAs | undefined): void {
  mkdirSync(runDir(s), { recursive: true });
  if (!existsSync(logFile(s))) writeFileSync(logFile(s), '');
  if (runAs) chownTree(s.dir, runAs);
}

async function pgCtl(s: PostgresServerState, args: string[], runAs: RunAs | undefined): Promise<string> {
  return runCommand(requireBinary('pg_ctl'), ['-D', dataDir(s), ...args], { runAs, cwd: s.dir, env: { ...process.env, LC_ALL: 'C' } });
}

function postmasterPid(s: PostgresServerState): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir(s), 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isInitialized(s: PostgresServerState): boolean {
  return existsSync(join(dataDir(s), 'PG_VERSION'));
}

/** initdb a primary (first start only), then start it. */
export async function startPrimary(s: PostgresServerState): Promise<PostgresServerState> {
  const runAs = postgresRunAs();
  prepareDir(s, runAs);
  if (!isInitialized(s)) {
    const args = ['-D', dataDir(s), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'];
    if (s.fast) args.push('--no-sync');
    await runCommand(requireBinary('initdb'), args, { runAs, cwd: s.dir, env: { ...process.env, LC_ALL: 'C' } });
    appendFileSync(join(dataDir(s), 'postgresql.conf'), serverConf(s));
    writeFileSync(join(dataDir(s), 'pg_hba.conf'), HBA);
  }
  return startExisting(s, runAs);
}

/** pg_basebackup from the primary (first start only, creates the slot), then start it. */
export async function startReplica(s: PostgresServerState, primaryPort: number): Promise<PostgresServerState> {
  const runAs = postgresRunAs();
  prepareDir(s, runAs);
  if (!isInitialized(s)) {
    await runCommand(requireBinary('pg_basebackup'), [
      '-h', LOOPBACK, '-p', String(primaryPort), '-U', 'postgres', '-D', dataDir(s),
      '-R', '-X', 'stream', '-C', '-S', REPLICATION_SLOT, '-c', 'fast',
    ], { runAs, cwd: s.dir });
    // The copied postgresql.conf carries the primary's port and socket folder: override them.
    appendFileSync(join(dataDir(s), 'postgresql.auto.conf'), `port = ${s.port}\nunix_socket_directories = '${runDir(s)}'\n`);
  }
  return startExisting(s, runAs);
}

async function startExisting(s: PostgresServerState, runAs: RunAs | undefined): Promise<PostgresServerState> {
  if (isAlive(postmasterPid(s))) return { ...s, pid: postmasterPid(s) };
  await pgCtl(s, ['-l', logFile(s), '-w', '-t', '60', 'start'], runAs).catch((error: Error) => {
    const tail = existsSync(logFile(s)) ? readFileSync(logFile(s), 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`${s.name} PostgreSQL did not start on port ${s.port}: ${error.message}\n${tail}`);
  });
  return { ...s, pid: postmasterPid(s) };
}

/** Fast shutdown through pg_ctl; with another signal, that signal straight to the postmaster. */
export async function stopPostgres(s: PostgresServerState, signal?: NodeJS.Signals): Promise<void> {
  const pid = postmasterPid(s) ?? s.pid;
  if (!isAlive(pid)) return;
  if (signal) {
    await stopPid(pid, signal);
    return;
  }
  await pgCtl(s, ['-m', 'fast', '-w', '-t', '60', 'stop'], postgresRunAs()).catch(() => stopPid(pid, 'SIGINT'));
  // pg_ctl returns once postmaster.pid is gone, a moment before the postmaster itself exits.
  if (!(await waitForExit(pid))) await stopPid(pid, 'SIGKILL');
}

export async function promoteReplica(s: PostgresServerState): Promise<void> {
  await pgCtl(s, ['-w', '-t', '60', 'promote'], postgresRunAs());
}

/** The stack folder must be enterable by the PostgreSQL user when we run it as another user. */
export function openForPostgresUser(path: string): void {
  if (postgresRunAs()) chmodSync(path, 0o755);
}
