// The `platform:` section of tiered.yaml (schema owned by the platform component).
import { z } from 'zod';

export const platformConfigSchema = z.looseObject({});

export type PlatformConfig = z.output<typeof platformConfigSchema>;
