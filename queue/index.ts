// Public API of tiered/queue.
export {};
