import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latencyChartSvg, niceMax } from './latency-chart.js';
import { StatsHistory } from './history.js';
import type { GatewayStats } from './stats-model.js';

test('niceMax rounds up to 1-2-5 steps', () => {
  assert.deepEqual([0, 0.7, 1, 3, 7, 12, 420].map(niceMax), [1, 1, 1, 5, 10, 20, 500]);
});

const stats = (requests: number, p50: number, p99: number) => ({
  frontends: [{ name: 'web', requests, p50, p99 }],
  backends: [{ name: 'app', servers: [{ name: 's1', requests, p50, p99 }] }],
}) as unknown as GatewayStats;

test('history: the first sample is a baseline; then p50/p99 and the request rate per interval', () => {
  const history = new StatsHistory(3);
  history.record(stats(100, 1, 5), 0);
  history.record(stats(300, 2, 9), 2000);
  history.record(stats(300, 2, 9), 4000);
  const [web, server] = history.series();
  assert.equal(web.label, 'frontend web');
  assert.equal(server.label, 'backend app / s1');
  assert.deepEqual(web.points, [{ t: 2000, p50: 2, p99: 9, rps: 100 }, { t: 4000, p50: 2, p99: 9, rps: 0 }]);
  for (let i = 3; i < 10; i++) history.record(stats(300, 2, 9), i * 2000);
  assert.equal(history.series()[0].points.length, 3, 'capacity bounds the ring');
});

test('chart: one path per percentile, scaled to a round maximum, label escaped', () => {
  const svg = latencyChartSvg({ label: 'backend <a> / s1', points: [{ t: 0, p50: 1, p99: 4, rps: 10 }, { t: 5000, p50: 2, p99: 7, rps: 20 }] });
  assert.match(svg, /^<svg/);
  assert.match(svg, /backend &lt;a&gt; \/ s1/);
  assert.equal((svg.match(/stroke="#d0442c"/g) ?? []).length, 1);
  assert.match(svg, />10<\/text>/, 'y axis tops out at 10 ms for a p99 of 7');
  assert.match(svg, /p99 7 ms/);
  assert.match(latencyChartSvg({ label: 'x', points: [] }), /collecting samples/);
});
