// @ts-check
// Breakpoint test: the arrival rate climbs from 1/s to MAX_RATE (default 20 × RATE) over DURATION;
// the run aborts as soon as the failure rate or p99 crosses its threshold, and the rate reached at
// that moment (in the summary: iterations/s near the end, http_reqs) is the breaking point.
// Do not point it at production.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e MAX_RATE=5000 -e DURATION=10m loadtests/k6/breakpoint.js
import { envNumber, envString, SUMMARY_TREND_STATS } from './lib/config.js';
import { rampingRate } from './lib/executors.js';
import { getNext } from './lib/requests.js';
import { summaryHandler } from './lib/summary.js';

const maxRate = envNumber('MAX_RATE', envNumber('RATE', 100) * 20);
/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    breakpoint: rampingRate({
      startRate: 1,
      vus: envNumber('VUS', 200),
      maxVusFactor: 10,
      stages: [{ target: maxRate, duration: envString('DURATION', '10m') }],
    }),
  },
  thresholds: {
    http_req_failed: [{ threshold: `rate<${envNumber('MAX_FAILED', 0.05)}`, abortOnFail: true, delayAbortEval: '10s' }],
    http_req_duration: [{ threshold: `p(99)<${envNumber('P99_MS', 2000)}`, abortOnFail: true, delayAbortEval: '10s' }],
  },
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export default function () {
  getNext(__ITER);
}

export const handleSummary = summaryHandler('breakpoint');
