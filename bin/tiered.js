#!/usr/bin/env node
// The `tiered` command. From the npm package (no TypeScript sources, dist/ built by `prepack`) it
// runs the compiled CLI with plain Node. In a clone of the repository it runs the TypeScript
// sources through tsx, so a dist/ left by `npm pack` or `npm run build` is never run stale;
// TIERED_FROM_DIST=1 runs the compiled CLI there too. Cluster workers (`tiered gateway
// --workers N`) and the children of `tiered up` start through this file again.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'ops', 'cli.js');
const source = join(root, 'ops', 'cli.ts');
const fromSource = existsSync(source) && (process.env.TIERED_FROM_SOURCE || !process.env.TIERED_FROM_DIST || !existsSync(built));
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  process.stderr.write(`tiered: ${built} is missing: build it with \`npm run build\`\n`);
  process.exit(1);
}
