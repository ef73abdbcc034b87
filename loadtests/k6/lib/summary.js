// @ts-check
// handleSummary helpers: the full end-of-test data as JSON plus a plain-text summary (written to
// stdout and to a file). Self-contained, no jslib.k6.io import, so it works offline.
//   SUMMARY_DIR  folder for the files (default: the current folder)

/**
 * @param {number} value
 * @param {string} name
 */
function format(value, name) {
  if (typeof value !== 'number') return String(value);
  if (name.includes('duration') || name.includes('waiting') || name.includes('connecting') || name.includes('blocked')) {
    return value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${value.toFixed(2)}ms`;
  }
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(4);
}

/**
 * Plain-text summary: every metric with its values and every threshold with ✓ or ✗.
 * @param {any} data the argument k6 passes to handleSummary
 * @param {string} script
 */
export function textSummary(data, script) {
  const lines = [`tiered k6 ${script}: ${data.state && data.state.testRunDurationMs ? `${(data.state.testRunDurationMs / 1000).toFixed(1)} s` : ''}`];
  const metrics = data.metrics || {};
  const names = Object.keys(metrics).sort();
  let failed = 0;
  for (const name of names) {
    const metric = metrics[name];
    const values = Object.keys(metric.values || {})
      .map((k) => `${k}=${format(metric.values[k], name)}`)
      .join(' ');
    lines.push(`  ${name.padEnd(44)} ${values}`);
    const thresholds = metric.thresholds || {};
    for (const t of Object.keys(thresholds)) {
      const ok = thresholds[t].ok;
      if (!ok) failed++;
      lines.push(`      ${ok ? '✓' : '✗'} ${t}`);
    }
  }
  lines.push(failed ? `  ${failed} threshold(s) crossed` : '  all thresholds passed');
  return `${lines.join('\n')}\n`;
}

/**
 * Builds a handleSummary for one script: stdout text, <dir>/k6-<script>-summary.{json,txt}.
 * @param {string} script
 */
export function summaryHandler(script) {
  /** @param {any} data */
  return function handleSummary(data) {
    const dir = (__ENV.SUMMARY_DIR || '.').replace(/\/+$/, '');
    const text = textSummary(data, script);
    return {
      stdout: text,
      [`${dir}/k6-${script}-summary.json`]: JSON.stringify(data, null, 2),
      [`${dir}/k6-${script}-summary.txt`]: text,
    };
  };
}
