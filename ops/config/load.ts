// Loading tiered.yaml: read → ${ENV} interpolation → YAML parse → zod validation of every
// section. Every problem is collected and reported with its field path (ConfigError).
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../sdk/errors.js';
import { formatIssues } from '../../sdk/config/schema.js';
import { interpolateEnv } from './interpolate.js';
import { tieredConfigSchema, type TieredConfig } from './schema.js';

/** Validates an already-parsed config object. */
export function parseConfig(raw: unknown, source?: string): TieredConfig {
  const result = tieredConfigSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) throw new ConfigError(formatIssues(result.error), source);
  return result.data;
}

/** Parses YAML text (after ${ENV} interpolation) and validates it. */
export function parseConfigText(text: string, source = 'tiered.yaml', env: NodeJS.ProcessEnv = process.env): TieredConfig {
  const { text: expanded, missing } = interpolateEnv(text, env);
  const doc = parseDocument(expanded, { prettyErrors: true });
  const problems = [...missing, ...doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`)];
  if (problems.length) throw new ConfigError(problems, source);
  return parseConfig(doc.toJS(), source);
}

/** Reads and validates a tiered.yaml file. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): TieredConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], path);
  }
  return parseConfigText(text, path, env);
}
