// /stats: an HTML table per frontend and backend, in the spirit of HAProxy's stats page.
import { hitRatio } from '../edge/stats.js';
import type { GatewayStats } from './stats-model.js';
import type { LatencySeries } from './history.js';
import { latencyChartSvg } from './latency-chart.js';

const esc = (v: unknown) => String(v ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const color = (state: string) => (state.startsWith('UP') ? '#c0ffc0' : state === 'DRAIN' ? '#b0d0ff' : state === 'MAINT' ? '#d0d0d0' : '#ffa0a0');

export function statsHtml(s: GatewayStats, history: LatencySeries[] = []): string {
  const rows: string[] = [];
  if (history.length) {
    rows.push(`<h2>latency over time <small>p50/p99 over the last minute, sampled every 5 s; <a href="stats/history.json">history.json</a></small></h2>\n<div class="charts">${history.map((h) => latencyChartSvg(h)).join('\n')}</div>`);
  }
  if (s.workers?.length) {
    const workers = s.workers.map((w) => `<tr style="background:${w.up ? '#c0ffc0' : '#ffa0a0'}"><td>${w.slot}</td><td>${w.pid ?? ''}</td><td>${w.up ? 'UP' : 'DOWN'}</td><td>${esc(w.startedAt)}</td><td>${w.restarts}</td><td>${w.lastExit ? esc(`${w.lastExit.at} ${w.lastExit.signal ?? `exit ${w.lastExit.code}`}${w.lastExit.error ? `: ${w.lastExit.error}` : ''}`) : ''}</td></tr>`).join('\n');
    rows.push(`<h2>workers <small>supervised: a worker that dies is started again</small></h2>
<table><tr><th>worker</th><th>pid</th><th>state</th><th>started</th><th>restarts</th><th>last exit</th></tr>
${workers}</table>`);
  }
  for (const f of s.frontends) {
    const side = f.mode === 'http' ? `${esc(f.server ?? '')} server` : 'tcp';
    rows.push(`<h2>frontend ${esc(f.name)} <small>${esc(f.listen)} → ${esc(f.backend)}, ${side}</small></h2>
<table><tr><th>conns</th><th>${f.mode === 'tcp' ? 'sessions' : 'requests'}</th><th>2xx</th><th>4xx</th><th>5xx</th><th>aborted</th><th>refused</th><th>bytes in</th><th>bytes out</th><th>p50 ms</th><th>p99 ms</th></tr>
<tr><td>${f.connections}</td><td>${f.requests}</td><td>${f.responses['2xx']}</td><td>${f.responses['4xx']}</td><td>${f.responses['5xx']}</td><td>${f.errors.aborted}</td><td>${f.noServer + f.queueFull + f.queueTimeouts}</td><td>${f.bytesIn}</td><td>${f.bytesOut}</td><td>${f.p50}</td><td>${f.p99}</td></tr></table>`);
    const e = f.edge;
    if (e) {
      rows.push(`<table><tr><th>edge hit ratio</th><th>hits</th><th>misses</th><th>stale</th><th>revalidated</th><th>bypass</th><th>origin fetches</th><th>coalesced</th><th>bytes from cache</th><th>bytes from origin</th><th>purges</th><th>purged</th><th>purge max ms</th><th>objects</th><th>bytes</th></tr>
<tr><td>${(hitRatio(e) * 100).toFixed(1)} %</td><td>${e.hits}</td><td>${e.misses}</td><td>${e.stale}</td><td>${e.revalidated}</td><td>${e.bypass}</td><td>${e.originFetches}</td><td>${e.coalesced}</td><td>${e.bytesFromCache}</td><td>${e.bytesFromOrigin}</td><td>${e.purges}</td><td>${e.purgedObjects}</td><td>${e.purgeMsMax.toFixed(2)}</td><td>${e.objects}</td><td>${e.bytes}</td></tr></table>`);
    }
  }
  for (const b of s.backends) {
    const tcp = b.mode === 'tcp';
    const servers = b.servers.map((v) => `<tr style="background:${color(v.state)}"><td>${esc(v.name)}</td><td>${esc(v.address)}</td><td>${esc(v.state)}</td><td>${esc(v.check.code)} ${esc(v.check.detail)}</td><td>${esc(v.lastChange)}</td><td>${v.weight}${v.effectiveWeight !== v.weight ? ` (${v.effectiveWeight})` : ''}</td><td>${v.backup ? 'Y' : ''}</td><td>${v.inFlight}${v.maxconn ? `/${v.maxconn}` : ''}</td><td>${v.requests}</td><td>${tcp ? esc(v.role ?? '') : v.responses['5xx']}</td><td>${v.errors.connect}</td><td>${tcp ? (v.lagBytes ?? '') : v.retries}</td><td>${v.ewma ?? ''}</td><td>${v.timers.connect?.p99 ?? ''}</td><td>${v.p50}</td><td>${v.p99}</td></tr>`).join('\n');
    const what = tcp ? `tcp, ${esc(b.balance)}${b.fallback ? `, fallback ${esc(b.fallback)}` : ''}` : `${esc(b.balance)}, ${esc(b.engine ?? '')} engine`;
    const alert = b.conflictingPrimaries ? ` <b style="color:#b00">refusing: ${b.conflictingPrimaries.map(esc).join(', ')} claim primary</b>` : '';
    rows.push(`<h2>backend ${esc(b.name)} <small>${what}, ${b.up}/${b.total} up, ${b.queued} queued</small>${alert}</h2>
<table><tr><th>server</th><th>address</th><th>state</th><th>check</th><th>last change</th><th>weight</th><th>bck</th><th>in flight</th><th>${tcp ? 'sessions' : 'requests'}</th><th>${tcp ? 'role' : '5xx'}</th><th>conn err</th><th>${tcp ? 'lag bytes' : 'retries'}</th><th>ewma ms</th><th>connect p99 ms</th><th>p50 ms</th><th>p99 ms</th></tr>
${servers}</table>`);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>Tiered gateway stats</title><meta http-equiv="refresh" content="5">
<style>body{font:13px sans-serif;margin:1em}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #999;padding:2px 6px;text-align:right}th{background:#eee}td:first-child{text-align:left}h2{font-size:15px;margin:.8em 0 .3em}.charts{display:flex;flex-wrap:wrap;gap:8px}.charts svg{border:1px solid #ddd;background:#fff}small{font-weight:normal;color:#555}</style>
</head><body><h1>Tiered gateway</h1><p>pid ${s.pid}, up ${s.uptime}s, ${esc(s.time)} · <a href="stats.json">stats.json</a> · <a href="metrics">metrics</a></p>
${rows.join('\n')}
</body></html>`;
}
