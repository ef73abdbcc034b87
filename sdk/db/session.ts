// A read-your-writes session: the highest WAL position this user has written or seen. It travels
// as a short token (cookie or header) so another app instance, or another device, keeps the
// guarantee. With a secret the token is signed (HMAC-SHA256, truncated): a forged token cannot
// push a user's reads onto the primary.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidSessionTokenError } from '../errors.js';
import { maxLsn } from './lsn.js';

const PREFIX = 'r1';

export class DbSession {
  /** The WAL position reads of this session must see (0 = none yet). */
  lsn: bigint;

  constructor(lsn = 0n) {
    this.lsn = lsn;
  }

  /** Raise the position (never lowers it: monotonic reads). */
  advance(lsn: bigint): void {
    this.lsn = maxLsn(this.lsn, lsn);
  }

  /** `r1.<lsn in base36>[.<signature>]`, e.g. `r1.5xb2k1s` (about 10–25 characters). */
  toToken(secret?: string): string {
    const body = `${PREFIX}.${this.lsn.toString(36)}`;
    return secret ? `${body}.${sign(body, secret)}` : body;
  }

  static fromToken(token: string | undefined | null, secret?: string): DbSession {
    if (!token) return new DbSession();
    const parts = token.split('.');
    if (parts[0] !== PREFIX || parts.length < 2 || parts.length > 3 || !/^[0-9a-z]{1,14}$/.test(parts[1])) {
      throw new InvalidSessionTokenError(`not a session token: "${token.slice(0, 40)}"`);
    }
    const body = `${parts[0]}.${parts[1]}`;
    if (secret) {
      const given = Buffer.from(parts[2] ?? '');
      const expected = Buffer.from(sign(body, secret));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new InvalidSessionTokenError('session token signature does not match');
      }
    }
    let lsn = 0n;
    for (const ch of parts[1]) lsn = lsn * 36n + BigInt(parseInt(ch, 36));
    return new DbSession(lsn);
  }
}

function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url').slice(0, 16);
}
