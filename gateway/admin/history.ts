// Recent latency history for the dashboard: every few seconds the admin port samples the
// gateway's stats and keeps, per frontend and per backend server, a ring of points
// (p50, p99, requests per second). Pure bookkeeping; the sampler timer lives in server.ts.
import type { GatewayStats } from './stats-model.js';

export interface HistoryPoint {
  /** Epoch ms of the sample. */
  t: number;
  p50: number;
  p99: number;
  /** Requests per second since the previous sample. */
  rps: number;
}

export interface LatencySeries {
  /** `frontend web`, `backend app / s1` */
  label: string;
  points: HistoryPoint[];
}

interface Track {
  label: string;
  points: HistoryPoint[];
  lastRequests: number;
  lastT: number;
}

export class StatsHistory {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly capacity = 360) {}

  record(stats: GatewayStats, now = Date.now()): void {
    for (const f of stats.frontends) this.add(`frontend ${f.name}`, f.requests, f.p50, f.p99, now);
    for (const b of stats.backends) for (const s of b.servers) this.add(`backend ${b.name} / ${s.name}`, s.requests, s.p50, s.p99, now);
  }

  private add(label: string, requests: number, p50: number, p99: number, now: number): void {
    let track = this.tracks.get(label);
    if (!track) {
      track = { label, points: [], lastRequests: requests, lastT: now };
      this.tracks.set(label, track);
      return; // the first sample only sets the baseline for the request rate
    }
    const seconds = (now - track.lastT) / 1000;
    const rps = seconds > 0 ? Math.max(0, requests - track.lastRequests) / seconds : 0;
    track.points.push({ t: now, p50, p99, rps });
    if (track.points.length > this.capacity) track.points.shift();
    track.lastRequests = requests;
    track.lastT = now;
  }

  series(): LatencySeries[] {
    return [...this.tracks.values()].map((t) => ({ label: t.label, points: [...t.points] }));
  }
}
