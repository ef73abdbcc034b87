// Public API of tiered/cache.
export {};
