// Which pool a statement belongs on. Plain reads (SELECT, WITH … SELECT, SHOW, VALUES, TABLE)
// may go to a replica; locking reads (FOR UPDATE / SHARE), data-modifying CTEs, sequence calls,
// transaction control and everything else go to the primary. Pure, conservative: when unsure,
// the primary.

const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/;
const READ_KEYWORDS = new Set(['select', 'with', 'show', 'values', 'table']);
const LOCKING = /\bfor\s+(?:update|no\s+key\s+update|share|key\s+share)\b/i;
const WRITING_INSIDE = /\b(?:insert|update|delete|merge)\b|\b(?:nextval|setval|pg_advisory_(?:xact_)?lock)\s*\(|\binto\b/i;

export type Route = 'read' | 'write';

export function routeStatement(sql: string): Route {
  const rest = sql.replace(LEADING_NOISE, '');
  const keyword = /^[A-Za-z]+/.exec(rest)?.[0].toLowerCase() ?? '';
  if (!READ_KEYWORDS.has(keyword)) return 'write';
  if (LOCKING.test(rest)) return 'write';
  if (keyword !== 'show' && WRITING_INSIDE.test(stripLiterals(rest))) return 'write';
  return 'read';
}

/** Removes string literals and quoted identifiers so a word inside them is not taken for a keyword. */
function stripLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "''");
}
