// Which listener a frontend gets (pure): the gateway's own llhttp server unless node:http is asked
// for, needed (http-proxy-3 engine) or the only one this Node allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpFrontendSchema } from '../config.js';
import { listenerKind } from './listener.js';

const frontend = (extra: object = {}) => httpFrontendSchema.parse({ name: 'web', listen: '127.0.0.1:0', backend: 'app', ...extra });

test('native by default, for the native and undici engines', () => {
  assert.equal(frontend().server, 'native');
  assert.equal(listenerKind(frontend(), 'native', true), 'native');
  assert.equal(listenerKind(frontend(), 'undici', true), 'native');
  assert.equal(listenerKind(frontend(), undefined, true), 'native');
});

test('node:http for the http-proxy-3 engine, when asked for, or without the parser', () => {
  assert.equal(listenerKind(frontend(), 'http-proxy-3', true), 'node');
  assert.equal(listenerKind(frontend({ server: 'node' }), 'native', true), 'node');
  assert.equal(listenerKind(frontend(), 'native', false), 'node');
});

test('an unknown server kind is a config error naming the field', () => {
  const result = httpFrontendSchema.safeParse({ name: 'web', listen: '127.0.0.1:0', backend: 'app', server: 'nginx' });
  assert.equal(result.success, false);
  assert.deepEqual(result.error!.issues[0].path, ['server']);
});
