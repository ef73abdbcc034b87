// Public API of the balancing primitives, shared by the gateway and the smart client.
export { BALANCE_NAMES, weightedIndex, drawTwo, type BalanceName, type Candidate, type PickRequest, type Picker } from './candidate.js';
export { createPicker, isBalanceName, type PickerOptions } from './create-picker.js';
export { pickRoundRobin, newRoundRobinState, createRoundRobinPicker, type RoundRobinState } from './roundrobin.js';
export { pickLeastConn, createLeastConnPicker } from './leastconn.js';
export { pickRandomTwo, createRandomPicker } from './random.js';
export { pickP2cEwma, ewmaCost, createP2cEwmaPicker, type P2cEwmaOptions } from './p2c-ewma.js';
export { pickHash, createHashPicker, type HashOptions, type HashState } from './hash.js';
export { hash32, ketamaHash, ketamaRing, weightedRing, ringOf, type HashRing } from './ring.js';
export { pickFirst, createFirstPicker } from './first.js';
export {
  eligible, slowstartWeight, ADMIN_STATES,
  type AdminState, type PoolMember, type EligibilityOptions, type EligibleSet, type PoolMode,
} from './eligible.js';
export {
  ServerPool, PoolServer,
  type ServerSpec, type ServerPoolOptions, type Outcome, type StatusSetter, type PoolEvent,
} from './server-pool.js';
