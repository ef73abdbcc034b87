// The `gateway:` section of tiered.yaml (schema owned by the gateway component).
import { z } from 'zod';

export const gatewayConfigSchema = z.looseObject({});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
