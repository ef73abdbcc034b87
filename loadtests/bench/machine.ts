// The machine and tool versions recorded with every result (ratios travel, absolute numbers don't).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { findBinary } from '../../ops/stack/binaries.js';
import { packageVersion } from '../../ops/package-root.js';

export function machineInfo(): Record<string, string | number> {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

function firstLine(binary: string, args: string[], pattern: RegExp): string | undefined {
  const path = findBinary(binary);
  if (!path) return undefined;
  try {
    const out = execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return out.match(pattern)?.[1] ?? out.split('\n')[0].trim();
  } catch (error) {
    const out = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    return out.match(pattern)?.[1];
  }
}

/** Versions of Node, Tiered and every peer binary that is installed. */
export function toolVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node, tiered: packageVersion() };
  const probes: Array<[string, string, string[], RegExp]> = [
    ['haproxy', 'haproxy', ['-v'], /version (\S+)/],
    ['varnish', 'varnishd', ['-V'], /varnish-(\S+)/],
    ['wrk', 'wrk', ['-v'], /wrk (\S+)/],
    ['redis', 'redis-server', ['--version'], /v=(\S+)/],
    ['memcached', 'memcached', ['-V'], /memcached (\S+)/],
    ['pgbench', 'pgbench', ['--version'], /\(PostgreSQL\) (\S+)/],
  ];
  for (const [name, binary, args, pattern] of probes) {
    const v = firstLine(binary, args, pattern);
    if (v) versions[name] = v;
  }
  return versions;
}
