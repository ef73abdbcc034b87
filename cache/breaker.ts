// Circuit breaker for the shared store, as a pure state machine plus a tiny shell holding
// the state. closed → (N consecutive failures) → open (cool-down) → half-open: one probe is
// let through → success closes, failure re-opens with a longer cool-down (capped).

export type BreakerState =
  | { mode: 'closed'; failures: number }
  | { mode: 'open'; until: number; cooldown: number }
  | { mode: 'half-open'; probing: boolean; cooldown: number };

export interface BreakerPolicy {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** First cool-down (ms) before a probe. */
  cooldownMs: number;
  /** Longest cool-down after repeated failed probes. */
  maxCooldownMs: number;
}

export const initialBreaker: BreakerState = { mode: 'closed', failures: 0 };

/** May a call go to the store now? Moves open → half-open once the cool-down is over. */
export function admit(state: BreakerState, now: number): { allow: boolean; state: BreakerState } {
  if (state.mode === 'closed') return { allow: true, state };
  if (state.mode === 'open') {
    if (now < state.until) return { allow: false, state };
    return { allow: true, state: { mode: 'half-open', probing: true, cooldown: state.cooldown } };
  }
  if (state.probing) return { allow: false, state };
  return { allow: true, state: { ...state, probing: true } };
}

export function onSuccess(_state: BreakerState): BreakerState {
  return initialBreaker;
}

export function onFailure(state: BreakerState, now: number, policy: BreakerPolicy): BreakerState {
  if (state.mode === 'closed') {
    const failures = state.failures + 1;
    if (failures < policy.failureThreshold) return { mode: 'closed', failures };
    return { mode: 'open', until: now + policy.cooldownMs, cooldown: policy.cooldownMs };
  }
  if (state.mode === 'half-open') {
    const cooldown = Math.min(state.cooldown * 2, policy.maxCooldownMs);
    return { mode: 'open', until: now + cooldown, cooldown };
  }
  return state;
}

/** The stateful shell: one per store. */
export class Breaker {
  private state: BreakerState = initialBreaker;
  constructor(
    private readonly policy: BreakerPolicy,
    private readonly now: () => number = Date.now,
    private readonly onChange?: (mode: BreakerState['mode']) => void,
  ) {}

  get mode(): BreakerState['mode'] {
    return this.state.mode;
  }

  admit(): boolean {
    const { allow, state } = admit(this.state, this.now());
    this.set(state);
    return allow;
  }

  success(): void {
    this.set(onSuccess(this.state));
  }

  failure(): void {
    this.set(onFailure(this.state, this.now(), this.policy));
  }

  private set(next: BreakerState): void {
    const changed = next.mode !== this.state.mode;
    this.state = next;
    if (changed) this.onChange?.(next.mode);
  }
}
