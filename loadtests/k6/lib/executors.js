// @ts-check
// Scenario builders shared by the scripts (and by the edge/, platform/, offline/ scripts that
// slot in beside them): open-model executors with VUs sized from VUS, so a script states only
// its load shape.
import { envNumber } from './config.js';

/**
 * Constant arrival rate (open model): `rate` iterations/s for `duration`, whatever the latency.
 * @param {{ rate: number, duration: string, vus?: number, exec?: string }} shape
 */
export function constantRate(shape) {
  const vus = shape.vus || envNumber('VUS', 50);
  /** @type {import('k6/options').Scenario} */
  const scenario = {
    executor: 'constant-arrival-rate',
    rate: shape.rate,
    timeUnit: '1s',
    duration: shape.duration,
    preAllocatedVUs: vus,
    maxVUs: vus * 4,
  };
  if (shape.exec) scenario.exec = shape.exec;
  return scenario;
}

/**
 * Ramping arrival rate (open model) through `stages` ({ target: iterations/s, duration }).
 * @param {{ startRate: number, stages: { target: number, duration: string }[], vus?: number, maxVusFactor?: number, exec?: string }} shape
 */
export function rampingRate(shape) {
  const vus = shape.vus || envNumber('VUS', 100);
  /** @type {import('k6/options').Scenario} */
  const scenario = {
    executor: 'ramping-arrival-rate',
    startRate: shape.startRate,
    timeUnit: '1s',
    preAllocatedVUs: vus,
    maxVUs: vus * (shape.maxVusFactor || 5),
    stages: shape.stages,
  };
  if (shape.exec) scenario.exec = shape.exec;
  return scenario;
}
