// Finds suites by file name: loadtests/bench/suites/<name>.ts or suites/<name>/index.ts, each
// with `export default defineSuite({...})`. Adding a suite needs no edit anywhere else.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnySuite } from './suite.js';

const SUITES_DIR = fileURLToPath(new URL('./suites/', import.meta.url));
const SOURCE = /\.(ts|js)$/;
const NOT_A_SUITE = /(\.test\.(ts|js)|\.d\.ts)$/;

/** Names of every suite present, sorted. */
export function listSuites(dir = SUITES_DIR): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (existsSync(join(path, 'index.ts')) || existsSync(join(path, 'index.js'))) names.add(entry);
    } else if (SOURCE.test(entry) && !NOT_A_SUITE.test(entry)) {
      names.add(entry.replace(SOURCE, ''));
    }
  }
  return [...names].sort();
}

function suiteFile(name: string, dir: string): string | undefined {
  const candidates = [`${name}.ts`, `${name}.js`, join(name, 'index.ts'), join(name, 'index.js')];
  return candidates.map((c) => join(dir, c)).find((p) => existsSync(p));
}

/** Loads a suite module; throws with the list of known suites when the name is unknown. */
export async function loadSuite(name: string, dir = SUITES_DIR): Promise<AnySuite> {
  if (!/^[\w-]+$/.test(name)) throw new Error(`bad suite name '${name}'`);
  const file = suiteFile(name, dir);
  if (!file) throw new Error(`unknown suite '${name}' (known: ${listSuites(dir).join(', ') || 'none'})`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: AnySuite };
  const suite = mod.default;
  if (!suite || typeof suite.scenarios !== 'function') throw new Error(`${file} has no default export made with defineSuite()`);
  if (suite.name !== name) throw new Error(`${file} declares suite '${suite.name}', expected '${name}'`);
  return suite;
}
