// Which servers may take a NEW request right now: the shared pool logic in front of every picker.
// 1. `maint` and `drain` servers take no new requests (drain keeps the ones it already has).
// 2. Healthy `ready` primaries if any; if none is up, healthy backups (HAProxy `backup`).
// 3. Panic (Envoy): when fewer than `panicThreshold` of the ready primaries are healthy, spread
//    across all ready primaries anyway: better some errors than one survivor crushed.
// 4. A server at its `maxconn` is skipped; when every chosen server is full the set is empty and
//    `saturated` tells the caller to queue rather than fail.
// 5. A half-open server (its ejection just ended) takes one trial request at a time.
import type { Candidate } from './candidate.js';

export type AdminState = 'ready' | 'drain' | 'maint';
export const ADMIN_STATES: readonly AdminState[] = ['ready', 'drain', 'maint'];

export interface PoolMember extends Candidate {
  readonly admin: AdminState;
  /** Up by the active checker and not ejected by the outlier detector. */
  readonly healthy: boolean;
  readonly backup: boolean;
  /** Half-open after an ejection: at most one request in flight until it answers. */
  readonly trial: boolean;
}

export interface EligibilityOptions {
  /** Share of healthy ready primaries below which the pool panics (0.5); 0 switches panic off. */
  panicThreshold: number;
}

export type PoolMode = 'normal' | 'backup' | 'panic' | 'empty';

export interface EligibleSet<M> {
  servers: M[];
  mode: PoolMode;
  /** Servers were chosen but every one of them is at maxconn (queue, do not fail). */
  saturated: boolean;
}

const hasRoom = (m: PoolMember): boolean =>
  (m.maxconn === 0 || m.inFlight < m.maxconn) && (!m.trial || m.inFlight === 0);

export function eligible<M extends PoolMember>(members: readonly M[], options: EligibilityOptions): EligibleSet<M> {
  // Fast path, the common case: every server ready, healthy, primary and with room → all of them.
  let plain = members.length > 0;
  for (let i = 0; plain && i < members.length; i++) {
    const m = members[i];
    plain = m.admin === 'ready' && !m.backup && m.weight > 0 && m.healthy && hasRoom(m);
  }
  if (plain) return { servers: members as M[], mode: 'normal', saturated: false };
  const ready: M[] = [];
  const healthy: M[] = [];
  const readyBackups: M[] = [];
  const healthyBackups: M[] = [];
  for (const m of members) {
    if (m.admin !== 'ready' || !(m.weight > 0)) continue;
    if (m.backup) {
      readyBackups.push(m);
      if (m.healthy) healthyBackups.push(m);
    } else {
      ready.push(m);
      if (m.healthy) healthy.push(m);
    }
  }
  let chosen: M[];
  let mode: PoolMode;
  const share = ready.length === 0 ? 0 : healthy.length / ready.length;
  if (healthy.length > 0 && share >= options.panicThreshold) {
    chosen = healthy;
    mode = 'normal';
  } else if (healthy.length === 0 && healthyBackups.length > 0) {
    chosen = healthyBackups;
    mode = 'backup';
  } else if (options.panicThreshold > 0 && (ready.length > 0 || readyBackups.length > 0)) {
    chosen = ready.length > 0 ? ready : readyBackups;
    mode = 'panic';
  } else if (healthy.length > 0) {
    chosen = healthy;
    mode = 'normal';
  } else {
    return { servers: [], mode: 'empty', saturated: false };
  }
  const servers = chosen.filter(hasRoom);
  return { servers, mode, saturated: servers.length === 0 };
}

/** Effective weight during slowstart: ramps linearly from 1% to 100% over `slowstart` ms after the server came up. */
export function slowstartWeight(weight: number, upSince: number, now: number, slowstart: number): number {
  if (!(slowstart > 0) || !(now - upSince < slowstart)) return weight;
  return weight * Math.max(0.01, (now - upSince) / slowstart);
}
