// ${VAR} and ${VAR:-default} interpolation over the raw text of tiered.yaml. `$${` escapes.
// A variable that is unset and has no default is an error naming it (and its line).

export function interpolateEnv(text: string, env: NodeJS.ProcessEnv = process.env): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(/\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (whole, escape: string, name: string, fallback: string | undefined, offset: number) => {
    if (escape) return whole.slice(1);
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    const line = text.slice(0, offset).split('\n').length;
    missing.push(`\${${name}} on line ${line} is not set and has no default (write \${${name}:-default})`);
    return '';
  });
  return { text: out, missing };
}
