import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoute, matchRoute } from './router.js';
import { DefinitionError, HttpError } from './errors.js';

const routes = [
  compileRoute('GET', '/users/:id', 'profile'),
  compileRoute('PUT', '/users/:id', 'update'),
  compileRoute('GET', '/users/:id/posts', 'posts'),
  compileRoute('GET', '/', 'root'),
];

test('routes: params decoded, methods told apart (405), unknown paths undefined, HEAD as GET', () => {
  const m = matchRoute(routes, 'GET', '/users/a%20b');
  assert.ok(m && m !== 'method');
  assert.equal(m.route.target, 'profile');
  assert.deepEqual({ ...m.params }, { id: 'a b' });
  assert.equal((matchRoute(routes, 'PUT', '/users/1') as { route: { target: string } }).route.target, 'update');
  assert.equal(matchRoute(routes, 'DELETE', '/users/1'), 'method');
  assert.equal(matchRoute(routes, 'GET', '/nope'), undefined);
  assert.equal((matchRoute(routes, 'HEAD', '/users/1/posts') as { route: { target: string } }).route.target, 'posts');
  assert.equal((matchRoute(routes, 'GET', '/') as { route: { target: string } }).route.target, 'root');
  assert.throws(() => matchRoute(routes, 'GET', '/users/%zz'), (e: unknown) => e instanceof HttpError && e.status === 400);
  const proto = matchRoute(routes, 'GET', '/users/__proto__');
  assert.ok(proto && proto !== 'method' && proto.params.id === '__proto__');
});

test('routes: a bad pattern is a DefinitionError', () => {
  assert.throws(() => compileRoute('GET', 'users', 'x'), DefinitionError);
  assert.throws(() => compileRoute('GET', '/a b', 'x'), DefinitionError);
});
