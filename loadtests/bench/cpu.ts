// CPU time of a process tree, read from /proc/<pid>/stat (Linux). The harness samples it before
// and after each measurement and charges the difference to the peer. utime+stime of every live
// process in the tree plus cutime+cstime (children already reaped), so a child that exits during
// the window is still counted exactly once.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

/** Parses one /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseProcStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  const fields = line.slice(close + 2).trim().split(/\s+/);
  // fields[0] = state (field 3), fields[1] = ppid (4), fields[11..14] = utime, stime, cutime, cstime (14..17)
  if (fields.length < 15) return undefined;
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  const ppid = Number(fields[1]);
  if (![pid, ppid, utime, stime, cutime, cstime].every(Number.isFinite)) return undefined;
  return { pid, ppid, ticks: utime + stime + cutime + cstime };
}

/** Pids of `roots` and all their descendants, given every process's parent. */
export function descendants(roots: number[], stats: ProcStat[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const s of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(s.pid);
    children.set(s.ppid, list);
  }
  const live = new Set(stats.map((s) => s.pid));
  const out = new Set<number>();
  const queue = roots.filter((pid) => live.has(pid));
  while (queue.length) {
    const pid = queue.pop() as number;
    if (out.has(pid)) continue;
    out.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

let clockTicks: number | undefined;

/** Clock ticks per second (CLK_TCK), 100 on practically every Linux. */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function readAllStats(): ProcStat[] {
  const out: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (stat) out.push(stat);
    } catch {} // the process exited between readdir and read
  }
  return out;
}

/** CPU seconds used so far by the trees rooted at `roots`; undefined without /proc or roots. */
export function treeCpuSeconds(roots: number[]): number | undefined {
  if (roots.length === 0) return undefined;
  const stats = readAllStats();
  if (stats.length === 0) return undefined;
  const pids = descendants(roots, stats);
  let ticks = 0;
  for (const s of stats) if (pids.has(s.pid)) ticks += s.ticks;
  return ticks / ticksPerSecond();
}
