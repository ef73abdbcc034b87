// Route matching: `/users/:id/posts` patterns, matched segment by segment. Pure.
import { DefinitionError, HttpError } from './errors.js';

export interface Route<T> {
  method: string;
  pattern: string;
  segments: string[];
  target: T;
}

const PATTERN = /^(\/(:?[A-Za-z0-9_.-]+))+$|^\/$/;

export function compileRoute<T>(method: string, pattern: string, target: T): Route<T> {
  if (!PATTERN.test(pattern)) throw new DefinitionError(`route ${JSON.stringify(pattern)}: expected /segment/:param/… (letters, digits, _ . -)`);
  return { method, pattern, segments: pattern.split('/').filter(Boolean), target };
}

export interface Match<T> {
  route: Route<T>;
  params: Record<string, string>;
}

/**
 * The route for a method and a path, with its decoded params. `undefined` when no pattern fits
 * the path; `'method'` when one fits but not for this method (405).
 */
export function matchRoute<T>(routes: readonly Route<T>[], method: string, path: string): Match<T> | 'method' | undefined {
  const parts = path.split('/').filter(Boolean);
  let wrongMethod = false;
  for (const route of routes) {
    if (route.segments.length !== parts.length) continue;
    const params: Record<string, string> = Object.create(null);
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = route.segments[i];
      if (seg.startsWith(':')) params[seg.slice(1)] = decodeSegment(parts[i]);
      else ok = seg === parts[i];
    }
    if (!ok) continue;
    if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
      wrongMethod = true;
      continue;
    }
    return { route, params };
  }
  return wrongMethod ? 'method' : undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `path: segment ${JSON.stringify(segment.slice(0, 40))} is not valid percent-encoding`);
  }
}
