// Suites start Tiered the way a user does: through its CLI (`startTiered`, process.ts) or its
// package entry points (`<component>/index.ts`, what tiered/sdk, tiered/cache… export). Besides
// those they import the harness and the stack's port and binary finders (ops/stack/net.ts,
// binaries.ts: shared with the harness, nothing of Tiered that is measured); never test support
// or a component's internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, '../..');
const ENTRY = /^(sdk|cache|queue|gateway|platform|ops)\/index\.(ts|js)$/;
const TOOLS = /^ops\/stack\/(net|binaries)\.(ts|js)$/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

/** Repository paths (outside loadtests/) that a file imports, statically or with import(). */
function repositoryImports(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.[^']+)'/g)].map((m) => m[1]);
  return specifiers
    .map((s) => relative(root, resolve(dirname(file), s)))
    .filter((path) => !path.startsWith('loadtests/') && !path.startsWith('..'));
}

test('bench suites reach Tiered only through its CLI or its package entry points', () => {
  const wrong: string[] = [];
  for (const file of sources(join(bench, 'suites'))) {
    for (const path of repositoryImports(file, readFileSync(file, 'utf8'))) {
      if (!ENTRY.test(path) && !TOOLS.test(path)) wrong.push(`${relative(root, file)} imports ${path}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the import check sees static, type-only and dynamic imports', () => {
  const file = join(bench, 'suites', 'x', 'index.ts');
  const text = [
    "import { startTestStack } from '../../../../ops/stack/testing.js';",
    "import type { Gateway } from '../../../../gateway/tcp/index.js';",
    "const m = await import('../../../../cache/fixtures/children.js');",
    "import { createCache } from '../../../../cache/index.js';",
    "import { defineSuite } from '../../suite.js';",
    "import pg from 'pg';",
  ].join('\n');
  assert.deepEqual(repositoryImports(file, text), ['ops/stack/testing.js', 'gateway/tcp/index.js', 'cache/fixtures/children.js', 'cache/index.js']);
});
