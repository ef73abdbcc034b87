import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimedPrimaries, judgePostgres } from './postgres-verdict.js';
import { lsnDistance, readLsn } from '../../sdk/db/lsn.js';

const primary = { ok: true as const, inRecovery: false, lsn: readLsn('0/3000000'), lagSeconds: 0 };
const replica = (replay: string, receive = replay, lagSeconds = 0) => ({
  ok: true as const, inRecovery: true, lsn: readLsn(replay), receiveLsn: readLsn(receive), lagSeconds,
});

test('LSNs parse as 64-bit positions and their distance is in bytes', () => {
  assert.equal(readLsn('16/B374D848'), (0x16n << 32n) + 0xB374D848n);
  assert.equal(readLsn('garbage'), undefined);
  assert.equal(readLsn(null), undefined);
  assert.equal(lsnDistance(readLsn('1/0')!, readLsn('0/FFFFFF00')!), 256);
  assert.equal(lsnDistance(readLsn('0/10')!, readLsn('0/20')!), 0);
});

test('role primary passes only a server not in recovery', () => {
  assert.equal(judgePostgres(primary, { role: 'primary' }).pass, true);
  const verdict = judgePostgres(replica('0/3000000'), { role: 'primary' });
  assert.equal(verdict.pass, false);
  assert.equal(verdict.role, 'replica');
  assert.match(verdict.detail, /expected a primary/);
});

test('role replica passes only replicas; role any passes both', () => {
  assert.equal(judgePostgres(primary, { role: 'replica' }).pass, false);
  assert.equal(judgePostgres(replica('0/3000000'), { role: 'replica' }).pass, true);
  assert.equal(judgePostgres(primary, { role: 'any' }).pass, true);
  assert.equal(judgePostgres(replica('0/3000000'), { role: 'any' }).pass, true);
});

test('a replica further behind the primary than maxLagBytes fails, and passes once caught up', () => {
  const limits = { role: 'replica' as const, maxLagBytes: 1024 * 1024 };
  const behind = judgePostgres(replica('0/3000000'), limits, readLsn('0/3200000'));
  assert.equal(behind.pass, false);
  assert.equal(behind.lagBytes, 0x200000);
  assert.match(behind.detail, /lag 2097152 bytes > 1048576/);
  const caughtUp = judgePostgres(replica('0/3200000'), limits, readLsn('0/3200000'));
  assert.equal(caughtUp.pass, true);
  assert.equal(caughtUp.lagBytes, 0);
});

test('without a known primary the received-but-not-replayed WAL is the measure', () => {
  const limits = { role: 'replica' as const, maxLagBytes: 100 };
  assert.equal(judgePostgres(replica('0/3000000', '0/3001000'), limits).pass, false);
  assert.equal(judgePostgres(replica('0/3000000', '0/3000010'), limits).pass, true);
});

test('maxLagSeconds takes out a replica whose pending replay is too old', () => {
  const limits = { role: 'replica' as const, maxLagSeconds: 5000 };
  assert.equal(judgePostgres(replica('0/3000000', '0/3000100', 12), limits).pass, false);
  assert.equal(judgePostgres(replica('0/3000000', '0/3000100', 2), limits).pass, true);
});

test('a failed probe fails with its error as the detail', () => {
  const verdict = judgePostgres({ ok: false, error: '28P01 password authentication failed', login: true }, { role: 'any' });
  assert.equal(verdict.pass, false);
  assert.equal(verdict.role, undefined);
  assert.match(verdict.detail, /password authentication failed/);
});

test('claimedPrimaries lists every server whose last probe said primary', () => {
  const p = judgePostgres(primary, { role: 'primary' });
  const r = judgePostgres(replica('0/1'), { role: 'primary' });
  assert.deepEqual(claimedPrimaries([['a', p], ['b', r], ['c', undefined]]), ['a']);
  assert.deepEqual(claimedPrimaries([['a', p], ['b', p]]), ['a', 'b']);
});
