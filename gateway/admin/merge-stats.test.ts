// Stats across the workers of a supervised gateway: counters add up, and percentiles are those
// of one histogram of every request (the workers' HDR histograms added), not the worst worker's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stats } from '../backend/stats.js';
import { mergeStats } from './merge-stats.js';
import type { FrontendStats, GatewayStats } from './stats-model.js';

function frontend(stats: Stats, withHistogram: boolean): FrontendStats {
  return { name: 'web', mode: 'http', listen: '127.0.0.1:0', backend: 'app', server: 'native', connections: 1, ...stats.snapshot(undefined, withHistogram) };
}

function gateway(frontends: FrontendStats[]): GatewayStats {
  return { time: '', pid: 1, uptime: 1, frontends, backends: [] };
}

test('two workers with known latencies: the merged p50/p99/max are those of all their requests', () => {
  const now = Date.now();
  const a = new Stats();
  const b = new Stats();
  const all = new Stats();
  const record = (s: Stats, ms: number, n: number) => {
    for (let i = 0; i < n; i++) {
      s.requests++;
      s.status(200);
      s.time(ms, now);
      all.requests++;
      all.status(200);
      all.time(ms, now);
    }
  };
  record(a, 1, 1000); // worker A: fast
  record(b, 2, 50); //   worker B: a little slower, and two slow requests
  record(b, 80, 2);
  const merged = mergeStats(gateway([]), [gateway([frontend(a, true)]), gateway([frontend(b, true)])]);
  const expected = all.snapshot(now);
  const web = merged.frontends[0];
  assert.equal(web.requests, 1052);
  assert.equal(web.responses['2xx'], 1052);
  assert.equal(web.connections, 2);
  assert.deepEqual([web.p50, web.p99], [expected.p50, expected.p99]);
  assert.ok(Math.abs(web.max - expected.max) / expected.max < 0.01, `max within the histogram's 2 significant digits: ${web.max} vs ${expected.max}`);
  assert.ok(Math.abs(web.p99 - 2) < 0.05, `p99 of all requests is 2 ms, got ${web.p99}`);
  assert.ok(frontend(b, false).p99 >= 79, 'the worst worker alone would have said 80 ms');
  assert.equal(web.hdr, undefined, 'histograms stay between primary and workers');
});

test('a worker without histograms (or one that does not decode): the worst worker\'s percentiles', () => {
  const a = new Stats();
  a.time(1);
  const b = new Stats();
  b.time(40);
  const merged = mergeStats(gateway([]), [gateway([frontend(a, true)]), gateway([frontend(b, false)])]);
  assert.ok(merged.frontends[0].p99 >= 39);
  const broken = { ...frontend(b, true), hdr: { total: 'not a histogram' } };
  const merged2 = mergeStats(gateway([]), [gateway([frontend(a, true)]), gateway([broken])]);
  assert.equal(merged2.frontends[0].requests, 0);
  assert.ok(merged2.frontends[0].p99 <= 1.1, 'the undecodable histogram counts as absent');
});
