import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderQueueView } from './view-html.js';

test('the view shows depth, rates and dead letters with a retry form, escaping job data', () => {
  const html = renderQueueView({
    basePath: '/queues',
    generatedAt: new Date(0),
    stats: [{ queue: 'mail', counts: { waiting: 7, prioritized: 0, delayed: 1, active: 2, completed: 30, failed: 1, 'waiting-children': 0 }, completedPerMinute: 12.5, failedPerMinute: 0 }],
    failed: [{ id: 'mail:3', job: 'mail', status: 'failed', progress: 0, attemptsMade: 3, createdAt: '', error: '<script>alert(1)</script>' }],
    schedules: [],
  });
  assert.match(html, /<td>mail<\/td><td class="n">7<\/td>/);
  assert.match(html, /12\.5/);
  assert.match(html, /action="\/queues\/retry"><input type="hidden" name="ref" value="mail:3">/);
  assert.ok(!html.includes('<script>'), 'job data is escaped');
});
