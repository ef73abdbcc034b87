// ${VAR} and ${VAR:-default} interpolation over the raw text of tiered.yaml, before YAML
// parsing (so a variable can supply a number or a boolean). `$${` escapes. Comment lines are
// left alone. A variable that is unset and has no default is an error naming it and its line.

const PATTERN = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g;

export function interpolateEnv(text: string, env: NodeJS.ProcessEnv = process.env): { text: string; missing: string[] } {
  const missing: string[] = [];
  const lines = text.split('\n').map((line, index) => {
    if (/^\s*#/.test(line)) return line;
    return line.replace(PATTERN, (whole, escape: string, name: string, fallback: string | undefined) => {
      if (escape) return whole.slice(1);
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      missing.push(`\${${name}} on line ${index + 1} is not set and has no default (write \${${name}:-default})`);
      return '';
    });
  });
  return { text: lines.join('\n'), missing };
}
