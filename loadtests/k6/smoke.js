// @ts-check
// Smoke test: 1 VU for 30 s (DURATION). Needs nothing but a BASE_URL that answers GET /.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 loadtests/k6/smoke.js
import { sleep } from 'k6';
import { envNumber, envString, thresholds, SUMMARY_TREND_STATS } from './lib/config.js';
import { getNext } from './lib/requests.js';
import { summaryHandler } from './lib/summary.js';

/** @type {import('k6/options').Options} */
export const options = {
  vus: envNumber('VUS', 1),
  duration: envString('DURATION', '30s'),
  thresholds: thresholds({ p95: 300, p99: 1000, failed: 0.01 }),
  summaryTrendStats: SUMMARY_TREND_STATS,
  tags: { testid: `smoke-${envString('TESTID', 'local')}` },
};

export default function () {
  getNext(__ITER);
  sleep(0.5);
}

export const handleSummary = summaryHandler('smoke');
