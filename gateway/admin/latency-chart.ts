// An SVG line chart of one latency series (p50 and p99 in ms over time, request rate as a
// faint area), rendered on the server so the dashboard needs no script and no CDN.
import type { LatencySeries } from './history.js';

const esc = (v: string) => v.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A round axis maximum at or above `value` (1, 2, 5 × 10^n). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function latencyChartSvg(series: LatencySeries, width = 420, height = 150): string {
  const pad = { left: 44, right: 8, top: 18, bottom: 20 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const points = series.points;
  const title = `<text x="${pad.left}" y="12" font-size="11" font-weight="bold">${esc(series.label)}</text>`;
  if (points.length < 2) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img">${title}<text x="${pad.left}" y="${pad.top + h / 2}" font-size="11" fill="#777">collecting samples…</text></svg>`;
  }
  const t0 = points[0].t;
  const span = Math.max(1, points[points.length - 1].t - t0);
  const yMax = niceMax(Math.max(...points.map((p) => p.p99)));
  const rMax = niceMax(Math.max(...points.map((p) => p.rps)));
  const x = (t: number) => pad.left + ((t - t0) / span) * w;
  const y = (v: number, max: number) => pad.top + h - (Math.min(v, max) / max) * h;
  const line = (key: 'p50' | 'p99') => points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p[key], yMax).toFixed(1)}`).join('');
  const area = `M${x(t0).toFixed(1)},${pad.top + h}${points.map((p) => `L${x(p.t).toFixed(1)},${y(p.rps, rMax).toFixed(1)}`).join('')}L${x(points[points.length - 1].t).toFixed(1)},${pad.top + h}Z`;
  const ticks = [0, 0.5, 1].map((f) => {
    const v = yMax * f;
    const yy = y(v, yMax).toFixed(1);
    return `<line x1="${pad.left}" x2="${pad.left + w}" y1="${yy}" y2="${yy}" stroke="#ddd"/><text x="${pad.left - 4}" y="${yy}" font-size="10" text-anchor="end" dominant-baseline="middle">${v === 0 ? 0 : v < 10 ? v.toFixed(1) : Math.round(v)}</text>`;
  }).join('');
  const minutes = span / 60_000;
  const last = points[points.length - 1];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(series.label)} latency">
${title}<text x="${pad.left + w}" y="12" font-size="10" text-anchor="end" fill="#555">now p50 ${last.p50} ms · p99 ${last.p99} ms · ${Math.round(last.rps)} req/s</text>
${ticks}<path d="${area}" fill="#2a7ab0" fill-opacity="0.12" stroke="none"/>
<path d="${line('p99')}" fill="none" stroke="#d0442c" stroke-width="1.6"/><path d="${line('p50')}" fill="none" stroke="#2a7ab0" stroke-width="1.6"/>
<text x="4" y="${pad.top + h / 2}" font-size="10" transform="rotate(-90 10 ${pad.top + h / 2})" text-anchor="middle">ms</text>
<text x="${pad.left}" y="${height - 5}" font-size="10" fill="#555">−${minutes >= 1 ? `${minutes.toFixed(1)} min` : `${Math.round(span / 1000)} s`}</text>
<text x="${pad.left + w}" y="${height - 5}" font-size="10" text-anchor="end" fill="#555">now · <tspan fill="#2a7ab0">p50</tspan> <tspan fill="#d0442c">p99</tspan> · shaded: req/s (max ${rMax})</text>
</svg>`;
}
