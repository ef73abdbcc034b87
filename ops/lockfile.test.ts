// The lockfile is what `npm ci` installs from (.ci/run, Dockerfiles): it must match package.json
// and hold every package any platform needs, including other platforms' optional binaries
// (an `npm install` on one machine once dropped @msgpackr-extract/*-darwin-arm64 and friends, and
// `npm ci` failed everywhere). Checked offline, without installing anything.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
};

test('package-lock.json is in sync with package.json (dependencies and devDependencies)', () => {
  assert.ok(lock.lockfileVersion >= 3, 'lockfile v3 (npm 9+)');
  const top = lock.packages[''];
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) {
    assert.deepEqual(top[field] ?? {}, manifest[field] ?? {}, `${field} of package.json and of the lockfile differ: run npm install --package-lock-only`);
  }
});

test('every dependency of every locked package resolves to a locked package, every platform\'s optional ones included', () => {
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('node_modules/') === false && path !== '') continue; // links to workspaces
    const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...(path === '' ? entry.devDependencies : {}) };
    for (const name of Object.keys(wanted)) {
      // Node's lookup: node_modules of this package, then of each package above it, then the root.
      let base = path;
      let found = false;
      for (;;) {
        if (lock.packages[`${base ? `${base}/` : ''}node_modules/${name}`]) {
          found = true;
          break;
        }
        if (!base) break;
        const cut = base.lastIndexOf('/node_modules/');
        base = cut < 0 ? '' : base.slice(0, cut);
      }
      if (!found) missing.push(`${path || '(root)'} → ${name}`);
    }
  }
  assert.deepEqual(missing, [], `missing from package-lock.json (npm ci fails on them): ${missing.join(', ')}`);
});
