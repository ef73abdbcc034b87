// The package's root folder, found from this file whether it runs from source (ops/) or
// compiled (dist/ops/): the nearest folder above holding Tiered's package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'tiered') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the tiered package root');
    dir = parent;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** How to run ops/install-deps from here: `bash ops/install-deps` in a clone, the path into node_modules from an app. */
export function installDepsCommand(flags = ''): string {
  const script = relative(process.cwd(), join(packageRoot(), 'ops', 'install-deps')) || 'ops/install-deps';
  return `bash ${script}${flags ? ` ${flags}` : ''}`;
}
