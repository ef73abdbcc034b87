// The services `tiered up` starts after the local stack, in order. Each component's starter
// is added here as the component arrives.
import type { ServiceStarter } from './up.js';

export const upServices: ServiceStarter[] = [];
