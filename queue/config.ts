// The `queue:` section of tiered.yaml (schema owned by the queue component).
import { z } from 'zod';

export const queueConfigSchema = z.looseObject({});

export type QueueConfig = z.output<typeof queueConfigSchema>;
