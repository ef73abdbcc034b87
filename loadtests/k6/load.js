// @ts-check
// Load test, open model: a constant arrival rate (RATE iterations/s for DURATION), whatever the
// latency; k6 adds VUs (up to VUS × 4) when responses slow down instead of slowing the arrivals,
// so the latency it reports is not flattered by coordinated omission.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e RATE=200 -e DURATION=5m loadtests/k6/load.js
import { envNumber, envString, thresholds, SUMMARY_TREND_STATS } from './lib/config.js';
import { constantRate } from './lib/executors.js';
import { getNext } from './lib/requests.js';
import { summaryHandler } from './lib/summary.js';

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    load: constantRate({ rate: envNumber('RATE', 100), duration: envString('DURATION', '5m') }),
  },
  thresholds: Object.assign(thresholds({ p95: 250, p99: 500, failed: 0.01 }), {
    // More than a few dropped iterations means the load generator could not keep the rate.
    dropped_iterations: ['count<100'],
  }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export default function () {
  getNext(__ITER);
}

export const handleSummary = summaryHandler('load');
