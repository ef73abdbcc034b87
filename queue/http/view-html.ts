// Pure rendering of the queue view: per-queue depth by state and rates, the newest dead
// letters with a retry button each, and the cron schedules. No scripts, no external assets.
import type { QueueStats } from '../admin.js';
import type { ScheduleRecord } from '../cron/state.js';
import type { JobView } from '../job/status.js';

const escape = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface QueueViewModel {
  basePath: string;
  stats: QueueStats[];
  failed: JobView[];
  schedules: ScheduleRecord[];
  generatedAt: Date;
}

export function renderQueueView(model: QueueViewModel): string {
  const base = escape(model.basePath);
  const rows = model.stats.map((s) => `<tr><td>${escape(s.queue)}</td>${['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'].map((k) => `<td class="n">${s.counts[k as keyof QueueStats['counts']] ?? 0}</td>`).join('')}<td class="n">${s.completedPerMinute.toFixed(1)}</td><td class="n">${s.failedPerMinute.toFixed(1)}</td>`
    + `<td>${s.counts.failed ? `<form method="post" action="${base}/retry-all"><input type="hidden" name="queue" value="${escape(s.queue)}"><button>retry all</button></form>` : ''}</td></tr>`).join('\n');
  const failed = model.failed.map((j) => `<tr><td>${escape(j.id)}</td><td>${escape(j.finishedAt)}</td><td class="n">${j.attemptsMade}</td><td>${escape(j.error)}</td>`
    + `<td><form method="post" action="${base}/retry"><input type="hidden" name="ref" value="${escape(j.id)}"><button>retry</button></form></td></tr>`).join('\n');
  const schedules = model.schedules.map((s) => `<tr><td>${escape(s.name)}</td><td><code>${escape(s.pattern)}</code> ${escape(s.timezone)}</td><td>${escape(s.kind)}</td><td>${escape(s.concurrency)}</td><td>${escape(s.lastFire)}</td><td>${escape(s.lastStatus)} ${escape(s.lastError)}</td><td>${escape(s.nextRun)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tiered queues</title><meta http-equiv="refresh" content="5">
<style>body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:2em}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}form{margin:0}</style></head>
<body><h1>Queues</h1>
<table><tr><th>queue</th><th>waiting</th><th>prioritized</th><th>delayed</th><th>active</th><th>completed</th><th>failed</th><th>done/min</th><th>failed/min</th><th></th></tr>
${rows || '<tr><td colspan="10">no queues yet</td></tr>'}
</table>
<h2>Dead letters (newest first)</h2>
<table><tr><th>job</th><th>failed at</th><th>attempts</th><th>error</th><th></th></tr>
${failed || '<tr><td colspan="5">none</td></tr>'}
</table>
<h2>Schedules</h2>
<table><tr><th>name</th><th>pattern</th><th>does</th><th>concurrency</th><th>last tick</th><th>last outcome</th><th>next run</th></tr>
${schedules || '<tr><td colspan="7">none</td></tr>'}
</table>
<p><small>generated ${escape(model.generatedAt.toISOString())} · <a href="${base}?format=json">JSON</a></small></p>
</body></html>`;
}
