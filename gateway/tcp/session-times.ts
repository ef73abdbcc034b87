// Connect and session times of one server's TCP sessions, as percentiles for the stats page
// (HAProxy shows Ctime/Ttime averages; percentiles say more about the tail).
import { build, type Histogram } from 'hdr-histogram-js';

const newHistogram = (): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 86_400_000_000, numberOfSignificantValueDigits: 2 });

export interface SessionTimesSnapshot {
  /** Time to open the server connection, ms. */
  connectP50: number;
  connectP99: number;
  /** Whole session, accept to close, ms. */
  sessionP50: number;
  sessionP99: number;
}

export class SessionTimes {
  private readonly connect = newHistogram();
  private readonly session = newHistogram();

  record(connectMs: number, sessionMs: number): void {
    this.connect.recordValue(Math.max(1, Math.round(connectMs * 1000)));
    this.session.recordValue(Math.max(1, Math.round(sessionMs * 1000)));
  }

  snapshot(): SessionTimesSnapshot {
    const ms = (h: Histogram, p: number) => (h.totalCount ? Math.round(h.getValueAtPercentile(p)) / 1000 : 0);
    return {
      connectP50: ms(this.connect, 50), connectP99: ms(this.connect, 99),
      sessionP50: ms(this.session, 50), sessionP99: ms(this.session, 99),
    };
  }
}
