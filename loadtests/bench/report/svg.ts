// A hand-written SVG of a suite's results (no chart library, no network): one panel per
// scenario. Scenarios with latency get the classic HdrHistogram percentile plot (x: percentile on
// a log scale of 1/(1-p), so 90, 99, 99.9, 99.99 are evenly spaced; y: milliseconds, log scale when
// the curves span more than 20×), one line per peer. Scenarios without latency get bars of rate.
import type { ScenarioResult, SuiteResult } from '../results.js';
import { formatMs, formatRate } from './table.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const WIDTH = 760;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 70, right: 170, top: 36, bottom: 44 };

/** x position of percentile p: log10(1 / (1 - p/100)), capped at 99.999. */
export function percentileX(p: number): number {
  const capped = Math.min(p, 99.999);
  return Math.log10(1 / (1 - capped / 100));
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round tick values: 1-2-5 steps per decade on a log axis, 5 even steps on a linear one. */
export function yTicks(logY: boolean, yMin: number, yMax: number, linearTop: number): number[] {
  if (!logY) return Array.from({ length: 6 }, (_, i) => (linearTop * i) / 5);
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(yMin)); e <= Math.ceil(Math.log10(yMax)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= yMin && v <= yMax) out.push(v);
    }
  }
  // Wide ranges keep only the decades (1, 10, 100...) so the labels do not collide.
  return out.length > 8 ? out.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9) : out;
}

function latencyPanel(scenario: ScenarioResult, top: number, colorOf: (peer: string) => string): string {
  const rows = scenario.peers.filter((p) => p.status === 'ok' && p.latency && p.latency.points.length > 0);
  const lines = rows.map((r) => ({ peer: r.peer, points: (r.latency?.points ?? []).filter((x) => x.p < 100 && x.ms > 0) }));
  const all = lines.flatMap((l) => l.points);
  if (all.length === 0) return '';
  const xMax = Math.max(3, Math.ceil(Math.max(...all.map((x) => percentileX(x.p)))));
  const yMin = Math.min(...all.map((x) => x.ms));
  const yMax = Math.max(...all.map((x) => x.ms));
  const logY = yMax / yMin > 20;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top;
  const lo = logY ? Math.log10(yMin) : 0;
  const hi = logY ? Math.log10(yMax) : yMax * 1.1;
  const sx = (p: number) => x0 + (percentileX(p) / xMax) * plotW;
  const sy = (ms: number) => y0 + plotH - (((logY ? Math.log10(ms) : ms) - lo) / (hi - lo || 1)) * plotH;
  const out: string[] = [];
  out.push(`<text x="${x0}" y="${top + 22}" font-size="14" font-weight="bold">${esc(`${scenario.name}: ${scenario.title}`)}</text>`);
  out.push(`<rect x="${x0}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  for (let d = 0; d <= xMax; d++) {
    const p = 100 * (1 - 10 ** -d);
    const x = x0 + (d / xMax) * plotW;
    out.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${y0 + plotH + 16}" font-size="11" text-anchor="middle">${esc(`${Number(p.toFixed(4))}%`)}</text>`);
  }
  for (const ms of yTicks(logY, yMin, yMax, hi)) {
    const y = sy(ms);
    out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + plotW}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${x0 - 6}" y="${y + 4}" font-size="11" text-anchor="end">${esc(formatMs(ms))}</text>`);
  }
  out.push(`<text x="${x0 + plotW / 2}" y="${y0 + plotH + 34}" font-size="12" text-anchor="middle">percentile</text>`);
  out.push(`<text x="16" y="${y0 + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${y0 + plotH / 2})">latency ms${logY ? ' (log)' : ''}</text>`);
  lines.forEach((l, i) => {
    const color = colorOf(l.peer);
    const d = l.points.map((pt, j) => `${j ? 'L' : 'M'}${sx(pt.p).toFixed(1)},${sy(pt.ms).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"><title>${esc(l.peer)}</title></path>`);
    const ly = y0 + 14 + i * 18;
    out.push(`<line x1="${x0 + plotW + 12}" y1="${ly - 4}" x2="${x0 + plotW + 32}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${x0 + plotW + 38}" y="${ly}" font-size="12">${esc(l.peer)}</text>`);
  });
  return out.join('\n');
}

function ratePanel(scenario: ScenarioResult, top: number, colorOf: (peer: string) => string): string {
  const rows = scenario.peers.filter((p) => p.status === 'ok' && p.rate !== undefined);
  if (rows.length === 0) return '';
  const max = Math.max(...rows.map((r) => r.rate as number)) || 1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const barH = Math.min(32, (PANEL_HEIGHT - MARGIN.top - MARGIN.bottom) / rows.length - 6);
  const out = [`<text x="${MARGIN.left}" y="${top + 22}" font-size="14" font-weight="bold">${esc(`${scenario.name}: ${scenario.title} (${scenario.unit}/s)`)}</text>`];
  rows.forEach((r, i) => {
    const y = top + MARGIN.top + i * (barH + 6);
    const w = ((r.rate as number) / max) * plotW;
    out.push(`<text x="${MARGIN.left - 6}" y="${y + barH / 2 + 4}" font-size="12" text-anchor="end">${esc(r.peer)}</text>`);
    out.push(`<rect x="${MARGIN.left}" y="${y}" width="${w.toFixed(1)}" height="${barH.toFixed(1)}" fill="${colorOf(r.peer)}"/>`);
    out.push(`<text x="${MARGIN.left + w + 6}" y="${y + barH / 2 + 4}" font-size="12">${esc(formatRate(r.rate))}</text>`);
  });
  return out.join('\n');
}

/** The whole suite as one SVG document. */
export function renderSvg(result: SuiteResult): string {
  const panels: string[] = [];
  // One colour per peer name across every panel, in order of first appearance.
  const names = [...new Set(result.scenarios.flatMap((s) => s.peers.map((p) => p.peer)))];
  const colorOf = (peer: string) => COLORS[Math.max(0, names.indexOf(peer)) % COLORS.length];
  let top = 40;
  for (const scenario of result.scenarios) {
    const body = latencyPanel(scenario, top, colorOf) || ratePanel(scenario, top, colorOf);
    if (!body) continue;
    panels.push(body);
    top += PANEL_HEIGHT;
  }
  const height = Math.max(top + 10, 120);
  const title = `tiered bench ${result.suite}${result.quick ? ' --quick' : ''} · ${result.startedAt} · ${result.machine.cpus ?? '?'} cores`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="24" font-size="15">${esc(title)}</text>`,
    panels.length ? panels.join('\n') : `<text x="10" y="70" font-size="13">no measured peers</text>`,
    '</svg>',
    '',
  ].join('\n');
}
