#!/usr/bin/env node
// The `tiered` command. Runs the compiled CLI when the package was built with `tsc`
// (dist/), otherwise runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'ops', 'cli.js');
if (existsSync(built) && !process.env.TIERED_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'ops', 'cli.ts')).href);
}
