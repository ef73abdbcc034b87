// The `cache:` section of tiered.yaml (schema owned by the cache component).
import { z } from 'zod';

export const cacheConfigSchema = z.looseObject({});

export type CacheConfig = z.output<typeof cacheConfigSchema>;
