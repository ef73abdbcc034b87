// SVG of hit ratio against cache size (share of the key space) under Zipf load: measured
// points per client and the ideal static cache as a reference line. Pure string output.

export interface HitRatioSeries {
  name: string;
  points: Array<{ size: number; hitRatio: number }>;
  dashed?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

export function renderHitRatioSvg(title: string, series: HitRatioSeries[]): string {
  const W = 640;
  const H = 400;
  const left = 60;
  const right = 20;
  const top = 40;
  const bottom = 50;
  const sizes = series.flatMap((s) => s.points.map((p) => p.size));
  const minX = Math.log10(Math.min(...sizes));
  const maxX = Math.log10(Math.max(...sizes));
  const x = (size: number) => left + ((Math.log10(size) - minX) / (maxX - minX || 1)) * (W - left - right);
  const y = (ratio: number) => top + (1 - ratio) * (H - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`,
  ];
  for (let r = 0; r <= 1.0001; r += 0.2) {
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y(r)}" y2="${y(r)}" stroke="#ddd"/>`, `<text x="${left - 8}" y="${y(r) + 4}" text-anchor="end">${(r * 100).toFixed(0)}%</text>`);
  }
  for (const size of [...new Set(sizes)].sort((a, b) => a - b)) {
    out.push(`<line x1="${x(size)}" x2="${x(size)}" y1="${top}" y2="${H - bottom}" stroke="#eee"/>`, `<text x="${x(size)}" y="${H - bottom + 18}" text-anchor="middle">${+(size * 100).toFixed(1)}%</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle">cache size (share of the keys, log scale)</text>`);
  out.push(`<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">hit ratio</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const path = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.size).toFixed(1)},${y(p.hitRatio).toFixed(1)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.points) out.push(`<circle cx="${x(p.size).toFixed(1)}" cy="${y(p.hitRatio).toFixed(1)}" r="3" fill="${color}"><title>${s.name} ${(p.size * 100).toFixed(1)}%: ${(p.hitRatio * 100).toFixed(1)}%</title></circle>`);
    out.push(`<rect x="${left + 10}" y="${top + 8 + i * 18}" width="14" height="3" fill="${color}"/>`, `<text x="${left + 30}" y="${top + 13 + i * 18}">${s.name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
