/**
 * NATS wire names of the coordinator (see README.md). A job store call is a request on
 * `<prefix>.<call>`; heartbeats are published on `<heartbeat prefix>.<job>.<extractor>`.
 */

/** Default prefix of the job store request subjects. */
export const DEFAULT_SUBJECT_PREFIX = 'dr.coordinator';

/** Default prefix of heartbeat subjects. */
export const DEFAULT_HEARTBEAT_PREFIX = 'dr.heartbeat';

/**
 * Queue group of the coordinator's request subscriptions: several coordinators on one prefix
 * share the requests (each request is answered once); the job state is in PostgreSQL, so any of
 * them may answer.
 */
export const COORDINATOR_QUEUE = 'dr-coordinator';

/** The subject of each job store call, after the prefix. */
export const JOB_STORE_CALLS = Object.freeze({
  registerJob: 'job.register',
  registerTables: 'tables.register',
  loadCheckpoint: 'checkpoint.load',
  saveCheckpoint: 'checkpoint.save',
  claimSnapshotTable: 'snapshot.claim',
  saveSnapshotProgress: 'snapshot.progress',
  setTablePhase: 'table.phase',
  failedTables: 'tables.failed',
  restartSnapshot: 'snapshot.restart',
  listJobs: 'status.jobs',
  listJobTables: 'status.tables',
} as const);

/** A job store call: a method of `CoordinatorJobStore`. */
export type JobStoreCall = keyof typeof JOB_STORE_CALLS;

/** True if `name` is a {@link JobStoreCall}. */
export function isJobStoreCall(name: string): name is JobStoreCall {
  return Object.hasOwn(JOB_STORE_CALLS, name);
}

/** The request subject of `call`: `<prefix>.<subject of the call>`. */
export function callSubject(prefix: string, call: JobStoreCall): string {
  return `${prefix}.${JOB_STORE_CALLS[call]}`;
}

/** Default time a client waits for the coordinator's reply, milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Extractors whose last heartbeat the coordinator keeps at most; the oldest are dropped. */
export const MAX_TRACKED_EXTRACTORS = 10_000;
