// @ts-check
// Stress test: open model in steps above the normal rate (RATE, then 1.5×, then 2×), each held for
// DURATION, then back down to watch recovery. Thresholds are looser than load.js: the question is
// how the system degrades (errors, tail) past its normal load, not whether it stays fast.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e RATE=200 -e DURATION=3m loadtests/k6/stress.js
import { envNumber, envString, thresholds, SUMMARY_TREND_STATS } from './lib/config.js';
import { rampingRate } from './lib/executors.js';
import { getNext } from './lib/requests.js';
import { summaryHandler } from './lib/summary.js';

const rate = envNumber('RATE', 100);
const hold = envString('DURATION', '3m');
/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    stress: rampingRate({
      startRate: Math.max(1, Math.round(rate / 10)),
      stages: [
        { target: rate, duration: '1m' },
        { target: rate, duration: hold },
        { target: Math.round(rate * 1.5), duration: '1m' },
        { target: Math.round(rate * 1.5), duration: hold },
        { target: rate * 2, duration: '1m' },
        { target: rate * 2, duration: hold },
        { target: 0, duration: '1m' },
      ],
    }),
  },
  thresholds: thresholds({ p95: 1000, p99: 3000, failed: 0.05 }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export default function () {
  getNext(__ITER);
}

export const handleSummary = summaryHandler('stress');
