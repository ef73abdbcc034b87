// The gateway's own short responses (400, 429, 502, 503, 504...): a text body that carries the
// request id, `connection: close` where the connection cannot be trusted any more.
import type { FrontResponse } from './front.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function errorBody(status: number, requestId: string | undefined, detail?: string): string {
  const reason = REASONS[status] ?? 'Error';
  return `${status} ${reason}${detail ? `: ${detail}` : ''}${requestId ? `\nrequest id: ${requestId}` : ''}\n`;
}

export function sendError(res: FrontResponse, status: number, requestId: string | undefined, detail?: string, extra?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(status, requestId, detail);
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extra,
  };
  if (requestId) headers['x-request-id'] = requestId;
  res.writeHead(status, REASONS[status], headers);
  res.end(body);
}

/** A raw response for a socket the HTTP parser rejected (clientError): always closes. */
export function rawErrorResponse(status: 400 | 408 | 431 | 500 | 503, detail: string): string {
  const body = errorBody(status, undefined, detail);
  return `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}
