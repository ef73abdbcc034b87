// One attempt of a request on one host: send through that host's keep-alive pool, classify the
// result the way retries and the outlier detector need it. Never throws.
import type { Dispatcher } from 'undici';
import type { Outcome, PoolServer } from '../balance/server-pool.js';

export interface AttemptRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export type AttemptResult =
  | { kind: 'response'; server: PoolServer; startedAt: number; data: Dispatcher.ResponseData; outcome: Outcome }
  | { kind: 'error'; server: PoolServer; startedAt: number; error: unknown; outcome: Outcome };

const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** How a transport error ended the attempt: connect errors never reached the server. */
export function classifyError(error: unknown): Outcome {
  const e = error as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR') return 'cancelled';
  const code = e?.code ?? e?.cause?.code ?? '';
  if (CONNECT_CODES.has(code)) return 'connect-error';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  return 'reset';
}

export async function sendAttempt(
  dispatcher: Dispatcher, server: PoolServer, startedAt: number, request: AttemptRequest, signal: AbortSignal, timeout: number,
): Promise<AttemptResult> {
  try {
    const data = await dispatcher.request({
      origin: server.id,
      method: request.method as Dispatcher.HttpMethod,
      path: request.path,
      headers: request.headers,
      body: request.body,
      signal,
      headersTimeout: Math.max(1, timeout),
      bodyTimeout: Math.max(1, timeout),
    });
    return { kind: 'response', server, startedAt, data, outcome: data.statusCode >= 500 ? 'server-error' : 'success' };
  } catch (error) {
    return { kind: 'error', server, startedAt, error, outcome: signal.aborted ? 'cancelled' : classifyError(error) };
  }
}
