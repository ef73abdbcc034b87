// `tiered bench <suite...> [--quick]`: the side-by-side benchmark harness (loadtests/bench).
// The harness is loaded on demand through a specifier tsc does not follow, so the npm package
// (dist/) leaves it out: it runs from a clone of the repository, where its peers and dev
// dependencies are (loadtests/bench/harness.ts is checked against BenchHarness).
import type { Command } from 'commander';
import { UsageError } from '../errors.js';

type BenchFlags = { out?: string; [flag: string]: string | boolean | undefined };

export interface BenchHarness {
  BenchUsageError: abstract new (...args: never[]) => Error;
  runBench(suites: string[], flags: BenchFlags): Promise<{
    interrupted: boolean;
    runs: { result: { suite: string; scenarios: { name: string; peers: { peer: string; status: string; note?: string }[] }[] } }[];
  }>;
  listSuites(): string[];
  rerenderResults(jsonFile: string, outDir?: string): { text: string; markdown: string; svg: string };
}

const HARNESS = '../../loadtests/bench/harness.js';

async function loadHarness(): Promise<BenchHarness> {
  try {
    return ((await import(HARNESS)) as { harness: BenchHarness }).harness;
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new UsageError('the benchmark harness is not part of the npm package: run `npm install && npm run bench -- <suite>` in a clone of the Tiered repository');
  }
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('compare Tiered with its peers (HAProxy, Varnish, direct, raw BullMQ...) side by side on this machine')
    .argument('[suites...]', "suites to run, or 'all' (tiered bench --list)")
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
      const { BenchUsageError, listSuites, rerenderResults, runBench } = await loadHarness();
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
