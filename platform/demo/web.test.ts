import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esc, postList } from './html.js';
import { hashtags } from './settings.js';
import { progressBar } from './seed.js';

test('html: every value escaped', () => {
  assert.equal(esc('<script>"x"&\'y\''), '&#60;script&#62;&#34;x&#34;&#38;&#39;y&#39;');
  const html = postList([{ id: 1, authorId: 2, body: '<img src=x onerror=alert(1)>', createdAt: 'now', author: { id: 2, handle: 'a"b', name: '<b>' } }]);
  assert.ok(!html.includes('<img'));
  assert.ok(html.includes('<b>&#60;b&#62;</b>'));
  assert.ok(html.includes('@a&#34;b'));
});

test('hashtags: lower-cased, each once, unicode letters', () => {
  assert.deepEqual(hashtags('#Tiered and #tiered, #café #x_1 #'), ['tiered', 'café', 'x_1']);
});

test('progress bar: a line per 10 % off a terminal, one updating line on a terminal', () => {
  const lines: string[] = [];
  const bar = progressBar((t) => lines.push(t), false);
  for (let i = 0; i <= 100; i += 5) bar('posts', i, 100);
  assert.equal(lines.length, 11);
  const tty: string[] = [];
  progressBar((t) => tty.push(t), true)('users', 50, 100);
  assert.match(tty[0], /^\rusers +\[#{15}-{15}\] +50% 50\/100$/);
});
