// Public API of health: the active checker (probes on timers) and the passive outlier detector.
export { initialCheckState, nextCheckState, nextCheckDelay, type CheckState, type RiseFall, type CheckIntervals } from './check-state.js';
export { OutlierDetector, type OutlierOptions, type OutlierState, type HealthTransition } from './outlier-detector.js';
export { HealthChecker, type HealthCheckOptions, type CheckTarget, type TargetHealth, type CheckResult } from './health-checker.js';
export { httpProbe, tcpProbe, type Probe, type ProbeResult, type HttpProbeOptions } from './probes.js';
