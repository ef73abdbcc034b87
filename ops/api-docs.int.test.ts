// The API reference (TypeDoc over the public entry points, typedoc.json): it builds, and every
// {@link} in the TSDoc comments of the public exports resolves (validation warnings are errors).
// `npm run docs:api` writes the HTML to docs/api/ (not committed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..');

test('TypeDoc builds the API reference of the subpath exports with no broken link or warning', { timeout: 180_000 }, () => {
  const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const result = spawnSync(process.execPath, [typedoc, '--emit', 'none', '--logLevel', 'Warn'], { cwd: root, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, `typedoc failed:\n${output}`);
  assert.doesNotMatch(output, /warning|error/i, output);
});
