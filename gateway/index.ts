// Public API of tiered/gateway.
export {};
