// The results table of a scenario, as aligned text (terminal) or Markdown (docs/benchmarks.md).
import { figureOf, type PeerResult, type RatioRow, type ScenarioResult } from '../results.js';

const FIGURE_LABEL: Record<string, string> = { rate: '/s', p50: 'p50', p99: 'p99', p999: 'p99.9', cpu: 'cpu' };

export function formatRate(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** Milliseconds with three significant digits (0.0421, 1.23, 12.3, 123). */
export function formatMs(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  return value >= 100 ? Math.round(value).toString() : value.toPrecision(3);
}

export function formatNumber(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

export function formatRatio(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(2)}×`;
}

/** Open-model scenarios with a baseline also show the p99 a peer adds over it, in ms. */
function showsAdded(scenario: ScenarioResult): boolean {
  return scenario.model === 'open' && Boolean(scenario.baseline);
}

/** (max − min) / median of the per-round rates: how much the machine drifted under this peer. */
export function formatSpread(rates: number[] | undefined, median: number | undefined): string {
  if (!rates || rates.length < 2 || !median) return '–';
  return `±${Math.round(((Math.max(...rates) - Math.min(...rates)) / median / 2) * 100)}%`;
}

function formatSigned(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value >= 0 ? '+' : '−'}${formatMs(Math.abs(value))}`;
}

function figureLabel(figure: string, scenario: ScenarioResult): string {
  if (figure === 'rate') return `${scenario.unit}/s`;
  return FIGURE_LABEL[figure] ?? scenario.extraColumns.find((c) => c.key === figure)?.label ?? figure;
}

/** Header and rows (cells as strings) of one scenario's table. */
export function tableCells(scenario: ScenarioResult): { header: string[]; rows: string[][] } {
  const header = ['peer', `${scenario.unit}/s`, ...(scenario.rounds > 1 ? ['spread'] : []), 'p50 ms', 'p99 ms', 'p99.9 ms', 'cpu s/10k', 'errors'];
  for (const c of scenario.extraColumns) header.push(c.label);
  if (scenario.subject) for (const f of scenario.compare) header.push(`${scenario.subject}/peer ${figureLabel(f, scenario)}`);
  if (scenario.baseline) for (const f of scenario.compare) header.push(`peer/${scenario.baseline} ${figureLabel(f, scenario)}`);
  if (showsAdded(scenario)) header.push(`+p99 ms vs ${scenario.baseline}`);
  const rows = scenario.peers.map((p) => rowCells(p, scenario, header.length));
  return { header, rows };
}

function rowCells(p: PeerResult, scenario: ScenarioResult, width: number): string[] {
  if (p.status !== 'ok') {
    const row = [p.peer, `(${p.status}: ${p.note ?? ''})`];
    while (row.length < width) row.push('');
    return row;
  }
  const row = [p.peer, formatRate(p.rate), ...(scenario.rounds > 1 ? [formatSpread(p.rates, p.rate)] : []), formatMs(p.p50), formatMs(p.p99), formatMs(p.p999), formatNumber(p.cpuPer10k, 3), String(p.errors ?? 0)];
  for (const c of scenario.extraColumns) row.push(formatNumber(p.extra?.[c.key], c.digits ?? 2));
  const ratioCells = (r: RatioRow | undefined) => scenario.compare.map((f) => formatRatio(r?.[f]));
  const self = () => scenario.compare.map((f) => (figureOf(p, f) === undefined ? '–' : '1.00×'));
  if (scenario.subject) row.push(...(p.peer === scenario.subject ? self() : ratioCells(scenario.ratios[p.peer])));
  if (scenario.baseline) row.push(...(p.peer === scenario.baseline ? self() : ratioCells(scenario.vsBaseline[p.peer])));
  if (showsAdded(scenario)) row.push(p.peer === scenario.baseline ? '0' : formatSigned(scenario.addedP99Ms?.[p.peer]));
  return row;
}

/** Measurement warnings per peer (late generator, rate not reached, failed rounds), one line each. */
export function warnings(scenario: ScenarioResult): string[] {
  const out: string[] = [];
  for (const p of scenario.peers) {
    if (p.status !== 'ok') continue;
    const rounds = (p.notes ?? []).map((n, i) => (n.warning ? `round ${i + 1}: ${n.warning}` : undefined)).filter((x): x is string => x !== undefined);
    if (p.note) rounds.push(p.note);
    if (rounds.length) out.push(`${p.peer}: ${rounds.join('; ')}`);
  }
  return out;
}

export function scenarioHeading(suite: string, scenario: ScenarioResult): string {
  const rounds = `${scenario.rounds} round${scenario.rounds === 1 ? '' : 's'} × ${(scenario.durationMs / 1000).toFixed(1)} s, interleaved`;
  return `${suite} · ${scenario.name}: ${scenario.title} (${rounds})`;
}

/** Aligned text table; a pending row's note runs past the columns. */
export function renderText(suite: string, scenario: ScenarioResult): string {
  const { header, rows } = tableCells(scenario);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i].startsWith('(') && i === 1 ? 0 : r[i].length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.startsWith('(') ? c : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [scenarioHeading(suite, scenario), line(header), line(header.map((_, i) => '-'.repeat(widths[i])))];
  for (const r of rows) out.push(line(r));
  for (const p of scenario.peers) if (p.description) out.push(`  ${p.peer}: ${p.description}`);
  for (const w of warnings(scenario)) out.push(`  ! ${w}`);
  return out.join('\n');
}

export function renderMarkdown(suite: string, scenario: ScenarioResult): string {
  const { header, rows } = tableCells(scenario);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`### ${esc(scenarioHeading(suite, scenario))}`, '', `| ${header.map(esc).join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) out.push(`| ${r.map(esc).join(' | ')} |`);
  const described = scenario.peers.filter((p) => p.description);
  if (described.length) out.push('', ...described.map((p) => `- **${esc(p.peer)}**: ${esc(p.description as string)}`));
  const warned = warnings(scenario);
  if (warned.length) out.push('', ...warned.map((w) => `- ⚠ ${esc(w)}`));
  return out.join('\n');
}
