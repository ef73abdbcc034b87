// Metrics and the access log line of TCP sessions. Only @opentelemetry/api here: ops/ starts
// the SDK and its exporters.
import { metrics } from '@opentelemetry/api';
import { createLogger } from '../../sdk/log/logger.js';

const meter = metrics.getMeter('tiered.gateway');

const queueTime = meter.createHistogram('tiered.gateway.tcp.queue.duration', { unit: 'ms', description: 'Time a TCP connection waited for a server slot' });
const connectTime = meter.createHistogram('tiered.gateway.tcp.connect.duration', { unit: 'ms', description: 'Time to open the server connection' });
const sessionTime = meter.createHistogram('tiered.gateway.tcp.session.duration', { unit: 'ms', description: 'Whole TCP session, accept to close' });
const sessions = meter.createCounter('tiered.gateway.tcp.sessions', { description: 'TCP sessions by termination state' });
const bytes = meter.createCounter('tiered.gateway.tcp.bytes', { unit: 'By', description: 'Bytes relayed, by direction (in: from client)' });
const active = meter.createUpDownCounter('tiered.gateway.tcp.sessions.active', { description: 'TCP sessions open now' });

/** One finished (or refused) TCP session, HAProxy's TCP log fields in JSON. */
export interface SessionRecord {
  frontend: string;
  backend?: string;
  server?: string;
  client: string;
  /** Tw: waiting in the queue for a slot (ms). */
  waitMs: number;
  /** Tc: opening the server connection (ms); -1 when never connected. */
  connectMs: number;
  /** Tt: accept to close (ms). */
  totalMs: number;
  bytesIn: number;
  bytesOut: number;
  /** client-close, server-close, idle-timeout, shutdown, connect-error, no-server, queue-full, queue-timeout, two-primaries, … */
  termination: string;
  /** Connect attempts that failed before this session got a server. */
  retries: number;
}

const accessLog = createLogger('gateway.tcp.access');

/** Counts one session in the metrics and, when `log` is set, writes its access-log line. */
export function recordSession(record: SessionRecord, log = true): void {
  const attributes = { frontend: record.frontend, backend: record.backend ?? '', server: record.server ?? '' };
  sessions.add(1, { ...attributes, termination: record.termination });
  if (record.connectMs >= 0) {
    queueTime.record(record.waitMs, attributes);
    connectTime.record(record.connectMs, attributes);
    sessionTime.record(record.totalMs, attributes);
    bytes.add(record.bytesIn, { ...attributes, direction: 'in' });
    bytes.add(record.bytesOut, { ...attributes, direction: 'out' });
  }
  if (!log) return;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  accessLog.info({
    frontend: record.frontend, backend: record.backend, server: record.server, client: record.client,
    Tw: round(record.waitMs), Tc: round(record.connectMs), Tt: round(record.totalMs),
    bytes_in: record.bytesIn, bytes_out: record.bytesOut, termination: record.termination, retries: record.retries,
  }, 'tcp session');
}

export function sessionOpened(frontend: string): void {
  active.add(1, { frontend });
}

export function sessionClosed(frontend: string): void {
  active.add(-1, { frontend });
}
