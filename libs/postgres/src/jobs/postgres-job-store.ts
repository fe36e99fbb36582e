/**
 * The job state of ARCHITECTURE §4 in the target's `_replicator` schema: libs/pipeline's
 * `JobStore`, `JobRegistrar` and `JobStatusReader`, matched structurally. What each call does is
 * in the module it delegates to; this one gives each call a client and turns driver failures into
 * coded errors naming the job and the call.
 */
import { formatTableRef, type Logger, type TableId } from '@database-replicator/core';
import type pg from 'pg';
import { jobDatabase, type JobStoreConnection } from './job-database.js';
import { jobQueryFailed } from './job-errors.js';
import { loadCheckpoint, saveCheckpoint } from './extractor-checkpoint.js';
import { listJobs, listJobTables } from './job-status.js';
import { registerJob, registerTables } from './register-tables.js';
import { restartSnapshot } from './restart-snapshot.js';
import { claimSnapshotTable, saveSnapshotProgress } from './snapshot-lease.js';
import { failedTables, setTablePhase } from './table-phase.js';
import type {
  JobExtractorCheckpoint,
  JobSnapshotClaim,
  JobSnapshotProgress,
  JobSourceName,
  JobSourceTable,
  JobSummaryRow,
  JobTablePhase,
  JobTableStatusRow,
} from './job-types.js';

/** Options of {@link createPostgresJobStore}. */
export type PostgresJobStoreOptions = Readonly<{
  /** Receives a `debug` line per registration and finished table snapshot. */
  logger?: Logger;
}>;

/**
 * libs/pipeline's `JobStore & JobRegistrar & JobStatusReader` over PostgreSQL. Every method
 * throws ReplicatorError `REPL_JOB_QUERY_FAILED` (with the driver error as `cause`, so
 * `isTransientError` recognises a lost connection) besides the codes it documents.
 */
export type PostgresJobStore = Readonly<{
  /**
   * Names the job's source (kind and configured name) for status; the latest call wins.
   *
   * @returns The job's incarnation on this target, which its extractors stamp on their messages.
   */
  registerJob(jobId: string, source: JobSourceName): Promise<string>;
  /**
   * Creates missing target schemas and tables (columns and primary key) and registers the
   * tables; known tables keep their phase and progress. Schema-only tables start
   * `snapshot_done` with their indexes created.
   */
  registerTables(jobId: string, tables: readonly JobSourceTable[]): Promise<void>;
  /** @throws ReplicatorError `REPL_JOB_STATE_INVALID` when the stored row does not parse. */
  loadCheckpoint(jobId: string, extractorId: string): Promise<JobExtractorCheckpoint | undefined>;
  saveCheckpoint(
    jobId: string,
    extractorId: string,
    checkpoint: JobExtractorCheckpoint,
  ): Promise<void>;
  /** Leases the next table whose snapshot is not done to `worker` for `leaseMs` milliseconds. */
  claimSnapshotTable(
    jobId: string,
    worker: string,
    leaseMs: number,
  ): Promise<JobSnapshotClaim | undefined>;
  /**
   * Saves progress and renews the lease; `done` builds the indexes and ends the snapshot.
   *
   * @throws ReplicatorError `REPL_JOB_LEASE_LOST`, `REPL_JOB_TABLE_UNKNOWN`.
   */
  saveSnapshotProgress(
    jobId: string,
    worker: string,
    table: TableId,
    progress: JobSnapshotProgress,
  ): Promise<void>;
  /** @throws ReplicatorError `REPL_JOB_TABLE_UNKNOWN`. */
  setTablePhase(jobId: string, table: TableId, phase: JobTablePhase, error?: string): Promise<void>;
  /** The job's tables in phase `failed`. */
  failedTables(jobId: string): Promise<readonly TableId[]>;
  /**
   * Empties the target tables and resets their snapshot to `pending`.
   *
   * @throws ReplicatorError `REPL_JOB_TABLE_UNKNOWN`.
   */
  restartSnapshot(jobId: string, tables: readonly TableId[]): Promise<void>;
  listJobs(): Promise<readonly JobSummaryRow[]>;
  listJobTables(jobId: string): Promise<readonly JobTableStatusRow[] | undefined>;
}>;

/**
 * Creates the job store on `connection`: one client (calls are queued) or a PostgresClientPool
 * (calls run in parallel). The target's `_replicator` schema must be migrated
 * (`migrateReplicatorSchema`). Closing the connection is the caller's.
 */
export function createPostgresJobStore(
  connection: JobStoreConnection,
  options: PostgresJobStoreOptions = {},
): PostgresJobStore {
  const db = jobDatabase(connection);
  const log = options.logger?.child({ component: 'job-store' });
  const call = <T>(
    operation: string,
    jobId: string | undefined,
    body: (client: pg.ClientBase) => Promise<T>,
  ): Promise<T> =>
    db.run(body).catch((error: unknown) => {
      throw jobQueryFailed(operation, jobId, error);
    });

  return Object.freeze({
    registerJob: (jobId, source) =>
      call('registering the source', jobId, (c) => registerJob(c, jobId, source)),
    async registerTables(jobId, tables) {
      await call('registering tables', jobId, (c) => registerTables(c, jobId, tables));
      log?.debug({ jobId, tables: tables.length }, 'job tables registered');
    },
    loadCheckpoint: (jobId, extractorId) =>
      call('loading a checkpoint', jobId, (c) => loadCheckpoint(c, jobId, extractorId)),
    saveCheckpoint: (jobId, extractorId, checkpoint) =>
      call('saving a checkpoint', jobId, (c) => saveCheckpoint(c, jobId, extractorId, checkpoint)),
    claimSnapshotTable: (jobId, worker, leaseMs) =>
      call('claiming a snapshot table', jobId, (c) =>
        claimSnapshotTable(c, jobId, worker, leaseMs),
      ),
    async saveSnapshotProgress(jobId, worker, table, progress) {
      await call('saving snapshot progress', jobId, (c) =>
        saveSnapshotProgress(c, jobId, worker, table, progress),
      );
      if (progress.done) {
        log?.debug({ jobId, table: formatTableRef(table), rows: progress.rows }, 'snapshot done');
      }
    },
    setTablePhase: (jobId, table, phase, error) =>
      call('setting a table phase', jobId, (c) =>
        setTablePhase(c, jobId, table, phase, error ?? null),
      ),
    failedTables: (jobId) => call('listing failed tables', jobId, (c) => failedTables(c, jobId)),
    restartSnapshot: (jobId, tables) =>
      call('restarting a snapshot', jobId, (c) => restartSnapshot(c, jobId, tables)),
    listJobs: () => call('listing jobs', undefined, listJobs),
    listJobTables: (jobId) => call('listing tables', jobId, (c) => listJobTables(c, jobId)),
  });
}
