// `tiered stack up|down|status`: the local stack of real servers (Redis, memcached,
// PostgreSQL primary + streaming replica) on loopback.
import type { Command } from 'commander';
import { stackDown, stackUp, summarize } from '../stack/stack.js';
import { stackStatus } from '../stack/status.js';
import { readState } from '../stack/state.js';
import { UsageError } from '../errors.js';
import { resolve } from 'node:path';

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} expects a whole number, got "${value}"`);
  return n;
};

export function registerStackCommand(program: Command): void {
  const stack = program.command('stack').description('the local stack of real servers: Redis, memcached, PostgreSQL primary + replica');

  stack
    .command('up')
    .description('start the stack (or resume the one in --dir with the same ports and data)')
    .option('--dir <dir>', 'folder for data, logs and stack.json', '.tiered')
    .option('--ephemeral', 'free ports and a temporary folder; prints the stack as JSON')
    .option('--memcached <count>', 'memcached instances on consecutive ports', int('memcached'), 1)
    .option('--redis-port <port>', 'Redis port', int('redis-port'), 6379)
    .option('--memcached-port <port>', 'first memcached port', int('memcached-port'), 11211)
    .option('--pg-port <port>', 'PostgreSQL primary port', int('pg-port'), 5432)
    .option('--replica-port <port>', 'PostgreSQL replica port', int('replica-port'), 5433)
    .option('--no-postgres', 'no PostgreSQL')
    .option('--no-replica', 'no PostgreSQL replica')
    .option('--no-redis', 'no Redis')
    .option('--json', 'print the stack as JSON')
    .action(async (opts) => {
      const state = await stackUp({
        dir: opts.dir,
        ephemeral: opts.ephemeral,
        redis: opts.redis === false ? false : { port: opts.redisPort },
        memcached: { count: opts.memcached, port: opts.memcachedPort },
        postgres: opts.postgres === false ? false : { port: opts.pgPort, replicaPort: opts.replicaPort, replica: opts.replica },
        onProgress: (m) => process.stderr.write(`  ${m}\n`),
      });
      const summary = summarize(state);
      if (opts.ephemeral || opts.json) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      } else {
        process.stdout.write(`stack up in ${state.dir}\n`);
        printTable(await stackStatus(state));
        process.stdout.write(`stop it with: tiered stack down --dir ${state.dir}\n`);
      }
    });

  stack
    .command('down')
    .description('stop every server of the stack cleanly (replica first)')
    .option('--dir <dir>', 'the stack folder', '.tiered')
    .option('--purge', 'also delete the data folder')
    .action(async (opts: { dir: string; purge?: boolean }) => {
      await stackDown(opts.dir, { purge: opts.purge, onProgress: (m) => process.stderr.write(`  ${m}\n`) }).catch((error: Error) => {
        throw new UsageError(error.message);
      });
      process.stdout.write(`stack in ${resolve(opts.dir)} stopped\n`);
    });

  stack
    .command('status')
    .description('each server: pid, port, up/down, role, replica lag in bytes')
    .option('--dir <dir>', 'the stack folder', '.tiered')
    .option('--json', 'print JSON')
    .action(async (opts: { dir: string; json?: boolean }) => {
      const state = readState(resolve(opts.dir));
      if (!state) throw new UsageError(`no stack in ${resolve(opts.dir)} (start one with: tiered stack up --dir ${opts.dir})`);
      const rows = await stackStatus(state);
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else printTable(rows);
      if (rows.some((r) => !r.up)) process.exitCode = 1;
    });
}

function printTable(rows: Awaited<ReturnType<typeof stackStatus>>): void {
  const lines = [['server', 'state', 'pid', 'port', 'role', 'lag (bytes)']];
  for (const r of rows) {
    lines.push([r.name, r.up ? 'up' : 'DOWN', String(r.pid ?? '-'), String(r.port), r.role ?? '-', r.lagBytes === undefined ? '-' : String(r.lagBytes ?? 'n/a')]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const line of lines) process.stdout.write(`${line.map((c, i) => c.padEnd(widths[i])).join('  ')}\n`);
}
