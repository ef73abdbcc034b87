// The active-check state machine, HAProxy semantics: a server that is up goes down after `fall`
// failed checks in a row; a server that is down comes up after `rise` passed checks in a row.
// While it is between the two (a failure seen, or a success seen) checks run every
// `fastInterval`; while it is down, every `downInterval`; otherwise every `interval`. Pure.
import type { HealthTransition } from './outlier-detector.js';

export interface RiseFall {
  rise: number;
  fall: number;
}

export interface CheckIntervals {
  interval: number;
  fastInterval: number;
  downInterval: number;
}

export interface CheckState {
  up: boolean;
  /** Passed checks in a row while down / failed checks in a row while up. */
  streak: number;
}

export function initialCheckState(up = true): CheckState {
  return { up, streak: 0 };
}

export function nextCheckState(state: CheckState, passed: boolean, limits: RiseFall): { state: CheckState; transition: HealthTransition } {
  const agrees = passed === state.up;
  if (agrees) return { state: { up: state.up, streak: 0 }, transition: 'unchanged' };
  const streak = state.streak + 1;
  const needed = state.up ? limits.fall : limits.rise;
  if (streak >= needed) return { state: { up: !state.up, streak: 0 }, transition: 'changed' };
  return { state: { up: state.up, streak }, transition: 'pending' };
}

export function nextCheckDelay(state: CheckState, intervals: CheckIntervals): number {
  if (state.streak > 0) return intervals.fastInterval;
  return state.up ? intervals.interval : intervals.downInterval;
}
