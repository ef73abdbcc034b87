// `tiered doctor`: which server binaries are installed (and their versions), whether Node
// meets engines.node, and which of Tiered's default ports are already taken.
import { findBinary, DEBIAN_PACKAGE } from './stack/binaries.js';
import { isListening } from './stack/net.js';
import { runCommand } from './stack/processes.js';

export interface BinaryReport {
  binary: string;
  debianPackage: string;
  path?: string;
  version?: string;
  neededFor: string;
}

export interface PortReport {
  port: number;
  use: string;
  busy: boolean;
}

const BINARIES: [string, string[], string][] = [
  ['redis-server', ['--version'], 'stack, cache bus, queue'],
  ['memcached', ['-V'], 'stack, cache'],
  ['postgres', ['--version'], 'stack (primary + replica)'],
  ['pg_basebackup', ['--version'], 'stack (replica)'],
  ['pgbench', ['--version'], 'benchmarks (db)'],
  ['haproxy', ['-v'], 'benchmarks (peer)'],
  ['varnishd', ['-V'], 'benchmarks (peer)'],
  ['wrk', ['-v'], 'benchmarks (load generator)'],
];

export const DEFAULT_PORTS: [number, string][] = [
  [8080, 'gateway HTTP frontend'], [8404, 'gateway admin'], [9000, 'platform (via gateway)'],
  [9001, 'DB read (via gateway)'], [9002, 'DB write (via gateway)'], [6379, 'Redis'],
  [11211, 'memcached'], [5432, 'PostgreSQL primary'], [5433, 'PostgreSQL replica'],
];

function firstVersion(text: string): string {
  const line = text.split('\n').find((l) => /\d+\.\d+/.test(l)) ?? text.split('\n')[0];
  const match = /v?(\d+\.\d+(\.\d+)?[^\s,]*)/.exec(line);
  return match ? match[1] : line.trim().slice(0, 40);
}

export async function checkBinaries(): Promise<BinaryReport[]> {
  return Promise.all(BINARIES.map(async ([binary, args, neededFor]) => {
    const report: BinaryReport = { binary, debianPackage: DEBIAN_PACKAGE[binary] ?? binary, neededFor, path: findBinary(binary) };
    if (report.path) {
      // wrk -v exits 1 after printing its version; take the output either way.
      const out = await runCommand(report.path, args, { timeoutMs: 5000 }).catch((error: Error) => error.message);
      report.version = firstVersion(out);
    }
    return report;
  }));
}

export async function checkPorts(): Promise<PortReport[]> {
  return Promise.all(DEFAULT_PORTS.map(async ([port, use]) => ({ port, use, busy: await isListening(port) })));
}

export function nodeReport(version = process.versions.node): { version: string; ok: boolean } {
  return { version, ok: Number(version.split('.')[0]) >= 22 };
}
