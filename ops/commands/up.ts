// `tiered up`: the stack of real servers plus every service, in the foreground.
import type { Command } from 'commander';
import { StartAbortedError, up } from '../up.js';
import { UsageError } from '../errors.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start everything locally (real servers + services) in the foreground; Ctrl-C stops it')
    .option('-c, --config <file>', 'config file (optional)', 'tiered.yaml')
    .option('--app <url>', 'your own app behind :8080 instead of the demo web tier (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .action(async (opts: { config: string; app?: string[] }) => {
      for (const app of opts.app ?? []) {
        let ok = false;
        try { ok = ['http:', 'https:'].includes(new URL(app).protocol); } catch {}
        if (!ok) throw new UsageError(`--app: expected http://host:port, got ${JSON.stringify(app)}`);
      }
      const { upServices } = await import('../services.js'); // the gateway, cache and queue load only for `up`
      // The terminal may go away before we are done stopping (npm exits, the pty closes): writes
      // that fail must not end the process, nor may SIGHUP.
      process.stdout.on('error', () => {});
      process.stderr.on('error', () => {});
      const out = (line: string) => {
        try { process.stdout.write(`${line}\n`); } catch {}
      };
      // A signal while starting stops as soon as the start is over.
      const aborted = new AbortController();
      const early = () => aborted.abort();
      for (const s of SIGNALS) process.on(s, early);
      let running: Awaited<ReturnType<typeof up>>;
      try {
        running = await up({ configFile: opts.config, services: upServices(out, opts.config, { apps: opts.app }), out, signal: aborted.signal });
      } catch (error) {
        if (error instanceof StartAbortedError) return;
        throw error;
      } finally {
        for (const s of SIGNALS) process.off(s, early);
      }
      const signalled = aborted.signal.aborted;
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => {}, 1 << 30); // stay in the foreground until a signal
        let stopping = false;
        // Ctrl-C through `npm start` reaches this process more than once (the terminal signals the
        // whole group; npm and tsx relay it): every signal after the first is ignored, never the
        // default action, which would end the process half-way and leave servers running.
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) return out(`(${signal}: already stopping)`);
          stopping = true;
          out('\nstopping…');
          clearInterval(keepAlive);
          running.stop().then(resolve, resolve);
        };
        for (const s of SIGNALS) process.on(s, onSignal);
        if (signalled) onSignal('SIGINT');
      });
    });
}
