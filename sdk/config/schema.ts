// zod building blocks shared by every component's config schema: durations, sizes,
// host:port addresses and URLs, each with an error message that names what was expected
// and what was given.
import { z } from 'zod';
import { parseDuration, parseSize } from './units.js';

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** A duration: `2s`, `150ms` or a number of milliseconds; parsed to milliseconds. */
export const duration = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 150ms, 2s or 5m, got ${shown(value)}` });
      return z.NEVER;
    }
  });

/** A size: `64mb`, `512kb` or a number of bytes; parsed to bytes. */
export const size = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    try {
      return parseSize(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected a size like 512kb or 64mb, got ${shown(value)}` });
      return z.NEVER;
    }
  });

/** Parses `host:port` or `[v6]:port`; undefined when it is not one. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 0 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** A `host:port` address, kept as the string the user wrote. */
export const hostPort = () =>
  z.unknown().superRefine((value, ctx) => {
    if (typeof value !== 'string' || !parseHostPort(value)) {
      ctx.addIssue({ code: 'custom', message: `expected host:port, got ${shown(value)}` });
    }
  }).transform((value) => value as string);

/** An absolute URL with one of the given protocols (e.g. `http:`, `redis:`). */
export const url = (...protocols: string[]) =>
  z.unknown().superRefine((value, ctx) => {
    let ok = typeof value === 'string';
    if (ok) {
      try {
        const parsed = new URL(value as string);
        ok = protocols.length === 0 || protocols.includes(parsed.protocol);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      const want = protocols.length ? protocols.map((p) => `${p}//…`).join(' or ') : 'a URL';
      ctx.addIssue({ code: 'custom', message: `expected ${want}, got ${shown(value)}` });
    }
  }).transform((value) => value as string);

/** One line per problem (parse with `{ reportInput: true }` so values can be shown): `gateway.backends[0].servers[1].address: expected host:port, got "x"`. */
export function formatIssues(error: z.ZodError, prefix: (string | number)[] = []): string[] {
  return error.issues.map((issue) => `${formatPath([...prefix, ...(issue.path as (string | number)[])])}: ${describeIssue(issue)}`);
}

export function formatPath(path: (string | number | symbol)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const anyIssue = issue as any;
  if (issue.code === 'invalid_type') {
    const got = anyIssue.input === undefined ? 'nothing (required)' : shown(anyIssue.input);
    return `expected ${anyIssue.expected}, got ${got}`;
  }
  if (issue.code === 'invalid_value') {
    return `expected one of ${anyIssue.values.map((v: unknown) => JSON.stringify(v)).join(', ')}, got ${shown(anyIssue.input)}`;
  }
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${anyIssue.keys.join(', ')}`;
  if (anyIssue.input !== undefined && !/\bgot\b/.test(issue.message)) return `${issue.message}, got ${shown(anyIssue.input)}`;
  return issue.message;
}
