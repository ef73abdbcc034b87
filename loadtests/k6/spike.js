// @ts-check
// Spike test: a quiet baseline (RATE/10), then the full RATE arriving within 10 s, held for
// DURATION, then a sudden drop and a quiet tail to watch recovery (queues drain, errors stop).
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e RATE=1000 -e DURATION=1m loadtests/k6/spike.js
import { envNumber, envString, thresholds, SUMMARY_TREND_STATS } from './lib/config.js';
import { rampingRate } from './lib/executors.js';
import { getNext } from './lib/requests.js';
import { summaryHandler } from './lib/summary.js';

const rate = envNumber('RATE', 500);
const base = Math.max(1, Math.round(rate / 10));
/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    spike: rampingRate({
      startRate: base,
      maxVusFactor: 10,
      stages: [
        { target: base, duration: '30s' },
        { target: rate, duration: '10s' },
        { target: rate, duration: envString('DURATION', '1m') },
        { target: base, duration: '10s' },
        { target: base, duration: '1m' },
      ],
    }),
  },
  thresholds: thresholds({ p95: 1000, p99: 3000, failed: 0.05 }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export default function () {
  getNext(__ITER);
}

export const handleSummary = summaryHandler('spike');
