// Job module: imported by the app (to enqueue) and by `tiered worker` (to run). A typed job
// (payload checked with zod on enqueue and on run) and a cron schedule that enqueues a job on
// each tick, once across any number of worker instances.
import { z } from 'zod';
import { defineJob, defineSchedule } from 'tiered/queue';

export const sendWelcome = defineJob({
  name: 'welcome.send',
  schema: z.object({ userId: z.number().int(), email: z.email() }),
  attempts: 3,
  backoff: { delay: '1s' },
  handler: async ({ userId, email }) => {
    console.log(`welcome mail to ${email} (user ${userId})`);
    return { sent: true };
  },
});

export const heartbeat = defineJob({
  name: 'heartbeat',
  schema: z.object({ at: z.string() }),
  handler: ({ at }) => console.log(`heartbeat tick ${at}`),
});

// Every 2 seconds here (node-cron patterns take an optional seconds field); '0 3 * * *' is 03:00.
export const everyTwoSeconds = defineSchedule({
  name: 'heartbeat-every-2s',
  pattern: '*/2 * * * * *',
  job: heartbeat,
  payload: (tick) => ({ at: tick.fireTime.toISOString() }),
});
