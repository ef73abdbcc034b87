// The benchmark harness (loadtests/bench) and k6 scripts (loadtests/k6).
export {};
