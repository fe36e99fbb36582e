/**
 * @database-replicator/pipeline — transport-agnostic orchestration shared by every source:
 * verification by key-range checksums with bisection (more with the pipeline issue).
 */
export {};
