// @ts-check
// Soak test: the normal rate (RATE) for a long time (DURATION, default 2h) to find what only time
// reveals: memory growth, connection or file-descriptor leaks, cache churn, slow drifts in p99.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e RATE=100 -e DURATION=4h loadtests/k6/soak.js
import { envNumber, envString, thresholds, SUMMARY_TREND_STATS } from './lib/config.js';
import { constantRate } from './lib/executors.js';
import { getNext } from './lib/requests.js';
import { summaryHandler } from './lib/summary.js';

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    soak: constantRate({ rate: envNumber('RATE', 50), duration: envString('DURATION', '2h') }),
  },
  thresholds: Object.assign(thresholds({ p95: 250, p99: 500, failed: 0.001 }), {
    dropped_iterations: ['count<100'],
  }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export default function () {
  getNext(__ITER);
}

export const handleSummary = summaryHandler('soak');
