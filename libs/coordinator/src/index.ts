/**
 * @database-replicator/coordinator — the coordinator's transport: the job store served over NATS
 * request/reply and a client for it, extractor heartbeats, and the HTTP status API
 * (`GET /jobs`, `GET /jobs/:id/tables`). The store itself (job state in `_replicator`) is
 * libs/postgres's `createPostgresJobStore`. Subjects and payloads are described in README.md.
 */

// NATS: the job store served, and its client
export { serveJobStore } from './serve-job-store.js';
export type { JobStoreServer, ServeJobStoreOptions } from './serve-job-store.js';
export { connectJobStore, isRetryableJobStoreError } from './connect-job-store.js';
export type { ConnectJobStoreOptions } from './connect-job-store.js';
export {
  DEFAULT_HEARTBEAT_PREFIX,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SUBJECT_PREFIX,
  JOB_STORE_CALLS,
} from './constants.js';
export type { JobStoreCall } from './constants.js';

// Heartbeats
export { heartbeatSubject, publishHeartbeat } from './heartbeat.js';
export type { ExtractorHeartbeat, HeartbeatOptions } from './heartbeat.js';
export type { ExtractorStatus } from './heartbeat-board.js';

// HTTP status API
export { handleCoordinatorRequest } from './handle-coordinator-request.js';
export type { CoordinatorHttpOptions } from './handle-coordinator-request.js';
