// The `stack:` section of tiered.yaml: the local development stack of real servers.
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);

export const stackConfigSchema = z.strictObject({
  dir: z.string().min(1).default('.tiered'),
  redis: z.strictObject({ port: port.default(6379) }).default({ port: 6379 }),
  memcached: z.strictObject({ count: z.number().int().min(0).max(16).default(1), port: port.default(11211), memoryMb: z.number().int().min(8).default(64) })
    .default({ count: 1, port: 11211, memoryMb: 64 }),
  postgres: z.strictObject({ enabled: z.boolean().default(true), port: port.default(5432), replicaPort: port.default(5433), replica: z.boolean().default(true) })
    .default({ enabled: true, port: 5432, replicaPort: 5433, replica: true }),
});

export type StackConfig = z.output<typeof stackConfigSchema>;
