// PostgreSQL refuses to run as root. When we are root (CI is), the stack runs PostgreSQL as
// an unprivileged user: `postgres` when the Debian package created it, otherwise `nobody`.
import { chownSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunAs } from './processes.js';

export function lookupUser(name: string): RunAs | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {}
  return undefined;
}

/** Who PostgreSQL runs as: undefined means "as ourselves" (we are not root). */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return lookupUser('postgres') ?? lookupUser('nobody') ?? { uid: 65534, gid: 65534 };
}

/** chown -R, for handing a folder to the PostgreSQL user. */
export function chownTree(path: string, owner: RunAs): void {
  chownSync(path, owner.uid, owner.gid);
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path)) chownTree(join(path, name), owner);
  }
}
