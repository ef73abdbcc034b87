// HTTP plumbing of a platform instance: request bodies with a size limit, JSON answers, and the
// step from a request (path params, query, body) to a validated input. Every hostile input is
// an HttpError or InvalidInputError, never a thrown TypeError.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { formatIssues } from '../sdk/config/schema.js';
import { HttpError, InvalidInputError } from './errors.js';

export const SESSION_HEADER = 'x-tiered-session';
const MAX_BODY = 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `body: larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `body: larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The JSON object of a command's body (`{}` when empty). */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidInputError(['body: expected a JSON object, got text that is not JSON']);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError([`body: expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`]);
  }
  return value as Record<string, unknown>;
}

/** Query parameters as a plain object (the last of repeated names wins). */
export function queryObject(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of search) out[name] = value;
  return { ...out };
}

export function validate<I>(schema: z.ZodType<I>, raw: unknown): I {
  const result = schema.safeParse(raw);
  if (!result.success) throw new InvalidInputError(formatIssues(result.error));
  return result.data;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  let text: string;
  try {
    text = JSON.stringify(body) ?? 'null';
  } catch (error) {
    status = 500;
    text = JSON.stringify({ error: `response is not JSON: ${(error as Error).message}` });
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}
