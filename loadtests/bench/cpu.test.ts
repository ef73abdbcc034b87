import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descendants, parseProcStat, treeCpuSeconds } from './cpu.js';

const line = (pid: number, comm: string, ppid: number, utime: number, stime: number, cutime = 0, cstime = 0) =>
  `${pid} (${comm}) S ${ppid} 1 1 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 100 1000 10 18446744073709551615`;

test('parseProcStat reads ppid and utime+stime+cutime+cstime, even with odd command names', () => {
  assert.deepEqual(parseProcStat(line(42, 'node', 7, 100, 20, 3, 1)), { pid: 42, ppid: 7, ticks: 124 });
  assert.deepEqual(parseProcStat(line(43, 'a) (b c', 42, 5, 5)), { pid: 43, ppid: 42, ticks: 10 });
  assert.equal(parseProcStat('garbage'), undefined);
  assert.equal(parseProcStat('1 (x) S 0 1'), undefined);
});

test('descendants follows the whole tree and ignores other processes', () => {
  const stats = [
    { pid: 1, ppid: 0, ticks: 0 },
    { pid: 10, ppid: 1, ticks: 0 },
    { pid: 11, ppid: 10, ticks: 0 },
    { pid: 12, ppid: 11, ticks: 0 },
    { pid: 20, ppid: 1, ticks: 0 },
  ];
  assert.deepEqual([...descendants([10], stats)].sort(), [10, 11, 12]);
  assert.deepEqual([...descendants([99], stats)], []);
});

test('treeCpuSeconds of this process grows when it burns CPU', () => {
  const before = treeCpuSeconds([process.pid]);
  assert.equal(typeof before, 'number');
  const until = Date.now() + 150;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  const after = treeCpuSeconds([process.pid]) as number;
  assert.ok(after > (before as number), `${after} > ${before}`);
  assert.equal(treeCpuSeconds([]), undefined);
});
