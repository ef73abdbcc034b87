// Finding the server binaries the stack runs: PATH first, then the places Debian puts them
// (/usr/sbin for redis/memcached, /usr/lib/postgresql/<version>/bin for PostgreSQL).
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MissingBinaryError } from '../errors.js';

/** Binary → the Debian package that ships it. */
export const DEBIAN_PACKAGE: Record<string, string> = {
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  memcached: 'memcached',
  postgres: 'postgresql',
  initdb: 'postgresql',
  pg_ctl: 'postgresql',
  pg_basebackup: 'postgresql',
  haproxy: 'haproxy',
  varnishd: 'varnish',
  nginx: 'nginx',
  wrk: 'wrk',
  pgbench: 'postgresql-contrib',
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL bin folders, newest major version first. */
export function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    return [];
  }
}

/** Absolute path of a binary, or undefined. */
export function findBinary(name: string): string | undefined {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const postgresFirst = ['postgres', 'initdb', 'pg_ctl', 'pg_basebackup', 'pgbench'].includes(name);
  // For PostgreSQL prefer one installation's folder so initdb, postgres and pg_ctl match.
  const dirs = postgresFirst
    ? [...postgresBinDirs(), ...pathDirs]
    : [...pathDirs, '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', ...postgresBinDirs()];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Absolute path of a binary, or a MissingBinaryError naming the Debian package. */
export function requireBinary(name: string): string {
  const path = findBinary(name);
  if (!path) throw new MissingBinaryError(name, DEBIAN_PACKAGE[name] ?? name);
  return path;
}
