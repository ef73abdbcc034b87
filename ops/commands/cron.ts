// `tiered cron list`: the schedules recorded in Redis by running schedulers (last tick, outcome,
// next run), plus those defined in the job modules (--module / queue.jobs) that have not run yet.
import type { Command } from 'commander';
import { readSchedules, type ScheduleRecord } from '../../queue/cron/state.js';
import { loadJobModules } from '../../queue/modules.js';
import { addQueueFlags, queueSettings, type QueueFlags } from './worker.js';

type NodeCron = typeof import('node-cron').default;

function nextRun(cron: NodeCron, pattern: string, timezone?: string): string {
  const task = cron.createTask(pattern, () => {}, { timezone });
  try {
    return task.getNextRuns(1)[0]?.toISOString() ?? '';
  } finally {
    void task.destroy();
  }
}

export function registerCronCommand(program: Command): void {
  const group = program.command('cron').description('cron schedules (run once per tick across instances)');
  addQueueFlags(group.command('list').description('schedules with their last and next runs'))
    .option('--json', 'print JSON')
    .action(async (opts: QueueFlags & { json?: boolean }) => {
      const settings = queueSettings(opts);
      // Loaded here rather than with the CLI (BullMQ, ioredis, node-cron):
      const [{ Producer }, { default: cron }] = await Promise.all([import('../../queue/producer.js'), import('node-cron')]);
      const producer = new Producer({ redis: settings.redis, prefix: settings.prefix, enqueueTimeout: settings.enqueueTimeout });
      let records: ScheduleRecord[];
      try {
        records = await producer.guarded('read schedules', () => readSchedules(producer.redis, settings.prefix));
      } finally {
        await producer.close();
      }
      const byName = new Map(records.map((r) => [r.name, r]));
      if (settings.jobs.length) {
        for (const def of (await loadJobModules(settings.jobs)).schedules.values()) {
          const known = byName.get(def.name);
          byName.set(def.name, {
            name: def.name, pattern: def.pattern, timezone: def.timezone ?? '', concurrency: def.concurrency,
            kind: def.job ? `job ${def.job.name}` : 'inline', nextRun: nextRun(cron, def.pattern, def.timezone),
            lastFire: known?.lastFire ?? '', lastStatus: known?.lastStatus ?? '', lastError: known?.lastError ?? '', lastRef: known?.lastRef ?? '',
          });
        }
      }
      const rows = [...byName.values()].map((r) => ({ ...r, nextRun: r.pattern ? nextRun(cron, r.pattern, r.timezone || undefined) : r.nextRun }));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      if (rows.length === 0) return void process.stdout.write('(no schedules)\n');
      for (const r of rows) {
        process.stdout.write(`${r.name}  "${r.pattern}"${r.timezone ? ` ${r.timezone}` : ''}  ${r.kind}  concurrency=${r.concurrency}\n`
          + `    last: ${r.lastFire || 'never'} ${r.lastStatus}${r.lastError ? ` (${r.lastError})` : ''}\n    next: ${r.nextRun}\n`);
      }
    });
}
