// Public API of tiered/platform.
export {};
