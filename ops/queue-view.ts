// The queue view (depth, rates, dead letters with retry) mounted on the gateway's admin port
// at /queues. The gateway may not import queue/, so ops/ builds the handler and hands it over.
import { Producer } from '../queue/producer.js';
import { queueViewHandler } from '../queue/http/view.js';
import type { AdminMount } from '../gateway/admin/server.js';

export interface QueueViewMount {
  mount: AdminMount;
  close(): Promise<void>;
}

export function queueViewMount(redis: string, prefix = 'tiered', basePath = '/queues'): QueueViewMount {
  const producer = new Producer({ redis, prefix });
  return {
    mount: { prefix: basePath, handler: queueViewHandler({ producer, basePath }) },
    close: () => producer.close(),
  };
}
