// The app side: enqueue a job. An idempotency key makes a repeated enqueue (a retried HTTP
// request) a no-op.
import { Producer } from 'tiered/queue';
import { sendWelcome } from './jobs.ts';

const producer = new Producer({ redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const userId = Number(process.argv[2] ?? 7);
const job = await producer.enqueue(sendWelcome, { userId, email: `user${userId}@example.com` }, { idempotencyKey: `welcome:${userId}` });
console.log(`enqueued ${job.ref}`);
await producer.close();
