// The one tiered.yaml model: each component owns the schema of its own section, beside its
// code; this file only composes them. Unknown top-level sections are errors.
import { z } from 'zod';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { cacheConfigSchema } from '../../cache/config.js';
import { queueConfigSchema } from '../../queue/config.js';
import { platformConfigSchema } from '../../platform/config.js';
import { stackConfigSchema } from '../stack/config.js';
import { telemetryConfigSchema } from '../telemetry-config.js';
import { upConfigSchema } from '../up-config.js';

export const tieredConfigSchema = z.strictObject({
  gateway: gatewayConfigSchema.optional(),
  cache: cacheConfigSchema.optional(),
  queue: queueConfigSchema.optional(),
  platform: platformConfigSchema.optional(),
  stack: stackConfigSchema.optional(),
  telemetry: telemetryConfigSchema.optional(),
  up: upConfigSchema.optional(),
});

export type TieredConfig = z.output<typeof tieredConfigSchema>;
