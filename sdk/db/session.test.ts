import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidSessionTokenError } from '../errors.js';
import { formatLsn, parseLsn } from './lsn.js';
import { DbSession } from './session.js';

test('LSN text ⇄ bigint', () => {
  assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) | 0xb374d848n);
  assert.equal(formatLsn(parseLsn('0/3000060')), '0/3000060');
  assert.ok(parseLsn('1/0') > parseLsn('0/FFFFFFFF'));
  assert.throws(() => parseLsn('nope'), /invalid LSN/);
});

test('a session round-trips through its token, signed or not', () => {
  const s = new DbSession(parseLsn('16/B374D848'));
  assert.equal(DbSession.fromToken(s.toToken()).lsn, s.lsn);
  const signed = s.toToken('k');
  assert.equal(DbSession.fromToken(signed, 'k').lsn, s.lsn);
  assert.ok(signed.length < 40, signed);
  assert.equal(DbSession.fromToken(undefined).lsn, 0n);
});

test('tampered or foreign tokens are named errors', () => {
  const signed = new DbSession(100n).toToken('k');
  const forged = signed.replace(/^r1\.[0-9a-z]+/, 'r1.zzzzzz');
  assert.throws(() => DbSession.fromToken(forged, 'k'), InvalidSessionTokenError);
  assert.throws(() => DbSession.fromToken(new DbSession(1n).toToken(), 'k'), InvalidSessionTokenError);
  assert.throws(() => DbSession.fromToken('eyJhbGciOi'), InvalidSessionTokenError);
});

test('advance never lowers the position', () => {
  const s = new DbSession(50n);
  s.advance(10n);
  assert.equal(s.lsn, 50n);
  s.advance(70n);
  assert.equal(s.lsn, 70n);
});
