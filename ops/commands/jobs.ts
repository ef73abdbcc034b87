// `tiered jobs stats|failed|retry <ref>|retry --all|purge --older-than 7d`: operator commands
// over the queues in Redis (queues are found under the prefix; no job modules needed).
import type { Command } from 'commander';
import { parseDuration } from '../../sdk/config/units.js';
import { discoverQueues, listFailed, purgeFinished, queueStats, retryAllFailed, retryFailed } from '../../queue/admin.js';
import type { Producer } from '../../queue/producer.js';
import { UsageError } from '../errors.js';
import { addQueueFlags, queueSettings, type QueueFlags } from './worker.js';

async function withProducer<T>(flags: QueueFlags, fn: (producer: Producer) => Promise<T>): Promise<T | undefined> {
  const settings = queueSettings(flags);
  const { Producer } = await import('../../queue/producer.js'); // BullMQ loads only for a jobs command
  const producer = new Producer({ redis: settings.redis, prefix: settings.prefix, enqueueTimeout: settings.enqueueTimeout });
  try {
    // Redis down or misconfigured (a QueueError) ends in ops/cli.ts: one line, exit 1.
    return await fn(producer);
  } finally {
    await producer.close();
  }
}

async function pickQueues(producer: Producer, queue: string | undefined): Promise<string[]> {
  const all = await producer.guarded('list queues', () => discoverQueues(producer.redis, producer.prefix));
  if (!queue) return all;
  if (!all.includes(queue)) throw new UsageError(`no queue "${queue}" under prefix "${producer.prefix}" (queues: ${all.join(', ') || 'none'})`);
  return [queue];
}

const out = (line: string): void => { process.stdout.write(`${line}\n`); };

export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('inspect and operate the job queues');

  addQueueFlags(jobs.command('stats').description('jobs per state and rates, per queue'))
    .option('--json', 'print JSON')
    .action((opts: QueueFlags & { json?: boolean }) => withProducer(opts, async (producer) => {
      const stats = await queueStats(producer, await pickQueues(producer, undefined));
      if (opts.json) return out(JSON.stringify(stats, null, 2));
      const cols = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const;
      out(['queue'.padEnd(24), ...cols.map((c) => c.padStart(11)), 'done/min'.padStart(9), 'fail/min'.padStart(9)].join(' '));
      for (const s of stats) out([s.queue.padEnd(24), ...cols.map((c) => String(s.counts[c] ?? 0).padStart(11)), s.completedPerMinute.toFixed(1).padStart(9), s.failedPerMinute.toFixed(1).padStart(9)].join(' '));
      if (stats.length === 0) out('(no queues)');
    }));

  addQueueFlags(jobs.command('failed').description('list dead letters (newest first)').argument('[queue]', 'one queue (default: all)'))
    .option('-n, --limit <n>', 'at most this many per queue', '20')
    .option('--json', 'print JSON')
    .action((queue: string | undefined, opts: QueueFlags & { limit: string; json?: boolean }) => withProducer(opts, async (producer) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: expected an integer >= 1, got ${JSON.stringify(opts.limit)}`);
      const failed = (await Promise.all((await pickQueues(producer, queue)).map((q) => listFailed(producer, q, limit)))).flat();
      if (opts.json) return out(JSON.stringify(failed, null, 2));
      for (const j of failed) out(`${j.id}  ${j.finishedAt ?? ''}  attempts=${j.attemptsMade}  ${j.error ?? ''}`);
      if (failed.length === 0) out('(no failed jobs)');
    }));

  addQueueFlags(jobs.command('retry').description('move dead letters back to wait').argument('[ref]', 'a job as <queue>:<id>'))
    .option('--all', 'retry every failed job (of --queue, or of all queues)')
    .option('-q, --queue <name>', 'with --all: only this queue')
    .action((ref: string | undefined, opts: QueueFlags & { all?: boolean; queue?: string }) => withProducer(opts, async (producer) => {
      if (!ref === !opts.all) throw new UsageError('give a job ref (<queue>:<id>) or --all');
      if (ref) {
        if (!(await retryFailed(producer, ref))) throw new UsageError(`${ref} is not a failed job`);
        return out(`retried ${ref}`);
      }
      let total = 0;
      for (const q of await pickQueues(producer, opts.queue)) total += await retryAllFailed(producer, q);
      out(`retried ${total} job(s)`);
    }));

  addQueueFlags(jobs.command('purge').description('remove completed and failed jobs finished longer ago than --older-than'))
    .requiredOption('--older-than <duration>', 'e.g. 7d, 12h')
    .option('-q, --queue <name>', 'only this queue')
    .action((opts: QueueFlags & { olderThan: string; queue?: string }) => withProducer(opts, async (producer) => {
      let olderThan: number;
      try {
        olderThan = parseDuration(opts.olderThan);
      } catch {
        throw new UsageError(`--older-than: expected a duration like 7d or 12h, got ${JSON.stringify(opts.olderThan)}`);
      }
      for (const q of await pickQueues(producer, opts.queue)) {
        const removed = await purgeFinished(producer, q, olderThan);
        out(`${q}: removed ${removed.completed} completed, ${removed.failed} failed`);
      }
    }));
}
