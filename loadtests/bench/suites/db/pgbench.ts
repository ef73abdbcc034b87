// Running pgbench for one measurement and reading what it says: tps from its summary, and the
// latency of every transaction from its per-transaction log (-l) into an hdr histogram (µs).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from '../../../../ops/stack/binaries.js';
import { encodeHistogram, newLatencyHistogram } from '../../stats.js';
import type { Sample } from '../../suite.js';

const run = promisify(execFile);

export interface PgbenchOptions {
  port: number;
  clients: number;
  threads: number;
  durationMs: number;
  /** Folder for the transaction logs (removed after reading). */
  tmpDir: string;
}

/** `pgbench -i` on the primary: the tables -S reads. */
export async function initPgbench(port: number, scale: number): Promise<void> {
  await run(requireBinary('pgbench'), ['-i', '-q', '-s', String(scale), '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'postgres'], { maxBuffer: 16 * 1024 * 1024 });
}

/** Parses pgbench's summary: tps (without connection time), average latency, failures. */
export function parsePgbenchSummary(text: string): { tps: number; processed: number; failed: number; averageMs?: number } {
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(text) ?? /tps = ([\d.]+)/.exec(text);
  const processed = /number of transactions actually processed: (\d+)/.exec(text);
  const failed = /number of failed transactions: (\d+)/.exec(text);
  const average = /latency average = ([\d.]+) ms/.exec(text);
  return {
    tps: tps ? Number(tps[1]) : 0,
    processed: processed ? Number(processed[1]) : 0,
    failed: failed ? Number(failed[1]) : 0,
    averageMs: average ? Number(average[1]) : undefined,
  };
}

/** One `pgbench -S -M prepared` run against a port: a Sample for the harness. */
export async function measurePgbench(options: PgbenchOptions): Promise<Sample> {
  const logDir = mkdtempSync(join(options.tmpDir, 'pgbench-'));
  const seconds = Math.max(1, Math.round(options.durationMs / 1000));
  const args = [
    '-S', '-M', 'prepared', '-n', '-c', String(options.clients), '-j', String(options.threads), '-T', String(seconds),
    '-l', `--log-prefix=${join(logDir, 'tx')}`,
    '-h', '127.0.0.1', '-p', String(options.port), '-U', 'postgres', 'postgres',
  ];
  const started = performance.now();
  try {
    const { stdout } = await run(requireBinary('pgbench'), args, { maxBuffer: 16 * 1024 * 1024, timeout: options.durationMs + 60_000 });
    const elapsedMs = performance.now() - started;
    const summary = parsePgbenchSummary(stdout);
    const histogram = newLatencyHistogram();
    for (const file of readdirSync(logDir)) {
      // client_id transaction_no time_us script_no epoch epoch_us
      for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (us > 0) histogram.recordValue(us);
      }
    }
    return {
      operations: summary.processed,
      // The rate is pgbench's own tps (connection set-up excluded), expressed over the window.
      elapsedMs: summary.tps > 0 ? (summary.processed / summary.tps) * 1000 : elapsedMs,
      errors: summary.failed,
      histogram: encodeHistogram(histogram),
      extra: summary.averageMs !== undefined ? { avgMs: summary.averageMs } : undefined,
      notes: { tool: 'pgbench -S -M prepared', clients: options.clients, threads: options.threads },
    };
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}
