// How user keys become store keys: `<namespace>:<kind>:<key>`. Keys memcached cannot hold
// (over 250 bytes, whitespace, control characters) are replaced by a SHA-256 digest, so any
// string works as a cache key on every store.
import { createHash } from 'node:crypto';
import { InvalidKeyError } from './errors.js';
import { keyProblem } from './store.js';

export interface KeySpace {
  entry(key: string): string;
  lease(key: string): string;
  tag(tag: string): string;
}

export function keySpace(namespace: string): KeySpace {
  const safe = (kind: string, key: string) => {
    if (key.length === 0) throw new InvalidKeyError(key, 'empty');
    const full = `${namespace}:${kind}:${key}`;
    return keyProblem(full) ? `${namespace}:${kind}#${createHash('sha256').update(key).digest('base64url')}` : full;
  };
  return {
    entry: (key) => safe('v', key),
    lease: (key) => safe('l', key),
    tag: (tag) => safe('t', tag),
  };
}
