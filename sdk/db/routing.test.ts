import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeStatement } from './routing.js';

test('plain reads may go to a replica', () => {
  for (const sql of [
    'SELECT * FROM users WHERE id = $1',
    '  -- comment\n select 1',
    '/* hint */ WITH t AS (SELECT 1) SELECT * FROM t',
    '(SELECT 1) UNION (SELECT 2)',
    'SHOW server_version',
    "SELECT 'insert into x' AS text",
    'select "update" from t',
  ]) assert.equal(routeStatement(sql), 'read', sql);
});

test('writes, locking reads and anything unusual go to the primary', () => {
  for (const sql of [
    'INSERT INTO users VALUES (1)',
    'update users set a = 1',
    'SELECT * FROM jobs FOR UPDATE SKIP LOCKED',
    'SELECT * FROM t FOR NO KEY UPDATE',
    'select * from t for share',
    'WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved',
    "SELECT nextval('seq')",
    'SELECT * INTO newtable FROM t',
    'BEGIN',
    'CALL proc()',
    'SELECT pg_advisory_lock(1)',
  ]) assert.equal(routeStatement(sql), 'write', sql);
});
