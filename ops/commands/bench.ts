// `tiered bench <suite...> [--quick]`: the side-by-side benchmark harness (loadtests/bench).
import type { Command } from 'commander';
import { BenchUsageError, runBench, type BenchFlags } from '../../loadtests/bench/cli.js';
import { listSuites } from '../../loadtests/bench/registry.js';
import { rerenderResults } from '../../loadtests/bench/report/write.js';
import { UsageError } from '../errors.js';

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('compare Tiered with its peers (HAProxy, Varnish, direct, raw BullMQ...) side by side on this machine')
    .argument('[suites...]', `suites to run, or 'all' (${listSuites().join(', ')})`)
    .option('--quick', 'CI mode: 1 round of 1 s per peer; checks the harness, never the speed')
    .option('--list', 'list the suites and exit')
    .option('--render <json>', 'print the tables of a results JSON again and rewrite its .md and .svg (into --out if given)')
    .option('--scenario <names>', 'only these scenarios (comma-separated)')
    .option('--duration <time>', 'measured time per round (default 10s, quick 1s)')
    .option('--warmup <time>', 'warm-up per peer (default 3s, quick 500ms)')
    .option('--rounds <n>', 'interleaved rounds per peer (default 3, quick 1)')
    .option('--rate <n>', 'open-model arrival rate, requests/s (default 1000)')
    .option('--connections <n>', 'closed-model connections (default 32)')
    .option('--workers <n>', 'proxy workers/threads: HAProxy nbthread = Tiered workers (default 1)')
    .option('--out <dir>', 'results folder (default loadtests/results)')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (suites: string[], flags: BenchFlags & { list?: boolean; render?: string }) => {
      if (flags.list) {
        process.stdout.write(`${listSuites().join('\n')}\n`);
        return;
      }
      if (flags.render) {
        const { text, markdown, svg } = rerenderResults(flags.render, flags.out);
        process.stdout.write(`${text}\n\nmarkdown: ${markdown}\nplot:     ${svg}\n`);
        return;
      }
      try {
        const { runs, interrupted } = await runBench(suites, flags);
        if (interrupted) {
          process.stderr.write('tiered bench: interrupted; the results written are partial\n');
          process.exitCode = 130;
          return;
        }
        const failed = runs.flatMap((r) => r.result.scenarios.flatMap((s) => s.peers.filter((p) => p.status === 'failed').map((p) => `${r.result.suite}/${s.name} ${p.peer}: ${p.note}`)));
        if (failed.length) {
          process.stderr.write(`tiered bench: ${failed.length} peer(s) failed:\n${failed.map((f) => `  ${f}`).join('\n')}\n`);
          process.exitCode = 1;
        }
      } catch (error) {
        if (error instanceof BenchUsageError) throw new UsageError(error.message);
        throw error;
      }
    });
}
