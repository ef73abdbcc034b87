// Map-reduce on a real Redis: a word count over chunks equals a direct count, whatever the
// number of workers; a failing map task is retried alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../ops/stack/testing.js';
import { closeMapReduce, defineMapReduce, mapReduce } from './mapreduce.js';
import { Producer } from './producer.js';
import { WorkerGroup } from './worker/group.js';

let stack: TestStack;
let producer: Producer;
before(async () => {
  stack = await startTestStack({ redis: true });
  producer = new Producer({ redis: stack.redis.url, prefix: 'mr' });
});
after(async () => {
  await closeMapReduce(producer);
  await producer?.close();
  await stack?.stop();
});

const text = Array.from({ length: 400 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta', 'alpha', 'omega'][i % 6] + (i % 7 === 0 ? ' beta' : '')).join(' ');
const words = (s: string) => s.split(/\s+/).filter(Boolean);
function countWords(s: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const w of words(s)) counts[w] = (counts[w] ?? 0) + 1;
  return counts;
}

test('word count by map-reduce equals a direct count; a failed map task is retried alone', async () => {
  const attempts = new Map<string, number>();
  const spec = defineMapReduce({
    name: 'wordcount',
    attempts: 3,
    backoff: { delay: 50 },
    map: (chunk: string) => {
      attempts.set(chunk, (attempts.get(chunk) ?? 0) + 1);
      if (chunk === chunks[3] && attempts.get(chunk) === 1) throw new Error('transient map failure');
      return countWords(chunk);
    },
    reduce: (parts: Record<string, number>[]) => {
      const total: Record<string, number> = {};
      for (const part of parts) for (const [w, n] of Object.entries(part)) total[w] = (total[w] ?? 0) + n;
      return total;
    },
  });
  const all = words(text);
  const chunks = Array.from({ length: 10 }, (_, i) => all.slice(i * 50, (i + 1) * 50).join(' ')).filter(Boolean);
  const groups = await Promise.all([1, 2, 3].map(() => WorkerGroup.start({ redis: stack.redis.url, prefix: 'mr', jobs: spec.jobs, concurrency: 4 })));
  try {
    const { ref } = await mapReduce(producer, spec, chunks);
    const deadline = Date.now() + 30_000;
    let view = await producer.status(ref);
    while (view?.status !== 'completed' && view?.status !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      view = await producer.status(ref);
    }
    assert.equal(view?.status, 'completed', view?.error);
    assert.deepEqual(view?.result, countWords(text));
    assert.equal(attempts.get(chunks[3]), 2, 'the failing map task ran twice');
    for (const chunk of chunks) if (chunk !== chunks[3]) assert.equal(attempts.get(chunk), 1, 'the others ran once');
  } finally {
    await Promise.all(groups.map((g) => g.close(1_000)));
  }
});
