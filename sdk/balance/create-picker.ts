// createPicker(name, options): the one factory the gateway and the smart client use.
import { defaultRng, type Rng } from '../random.js';
import { BALANCE_NAMES, type BalanceName, type Picker } from './candidate.js';
import { createFirstPicker } from './first.js';
import { createHashPicker, type HashOptions } from './hash.js';
import { createLeastConnPicker } from './leastconn.js';
import { createP2cEwmaPicker, type P2cEwmaOptions } from './p2c-ewma.js';
import { createRandomPicker } from './random.js';
import { createRoundRobinPicker } from './roundrobin.js';

export interface PickerOptions {
  rng?: Rng;
  hash?: HashOptions;
  p2cEwma?: P2cEwmaOptions;
}

export function isBalanceName(name: string): name is BalanceName {
  return (BALANCE_NAMES as readonly string[]).includes(name);
}

export function createPicker(name: BalanceName, options: PickerOptions = {}): Picker {
  const rng = options.rng ?? defaultRng;
  switch (name) {
    case 'roundrobin': return createRoundRobinPicker();
    case 'leastconn': return createLeastConnPicker(rng);
    case 'random': return createRandomPicker(rng);
    case 'p2c-ewma': return createP2cEwmaPicker(rng, options.p2cEwma);
    case 'hash': return createHashPicker(rng, options.hash);
    case 'first': return createFirstPicker();
    default: throw new RangeError(`unknown balance algorithm "${String(name)}" (expected one of ${BALANCE_NAMES.join(', ')})`);
  }
}
