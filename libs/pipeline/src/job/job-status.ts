/**
 * Read-only views of the job state for `status` and the coordinator's HTTP API, and the one
 * write that names a job's source. The PostgreSQL job store implements both next to
 * {@link JobStore}; the coordinator serves them.
 */
import type { SourceKind } from '@database-replicator/core';
import type { JobStore, TablePhase } from './job-store.js';

/** Every {@link TablePhase}, in the order a table passes through them (`failed` last). */
export const TABLE_PHASES: readonly TablePhase[] = Object.freeze([
  'pending',
  'snapshot',
  'snapshot_done',
  'streaming',
  'failed',
]);

/** What a job replicates from: the source kind and its configured name (never a URL). */
export type JobSource = Readonly<{
  kind: SourceKind;
  /** `source.name` of events, the second topic segment. */
  name: string;
}>;

/** One job at a glance. */
export type JobSummary = Readonly<{
  jobId: string;
  /** `null` until the job's source is registered ({@link JobRegistrar.registerJob}). */
  sourceKind: SourceKind | null;
  sourceName: string | null;
  /** Number of the job's tables in each phase; every phase is present (0 if none). */
  tables: Readonly<Record<TablePhase, number>>;
  /** Snapshot rows sent, summed over the job's tables. */
  rowsCopied: number;
  /** The source's row estimates, summed over the job's tables. */
  estimatedRows: number;
  /** Last change to the job or any of its tables, ISO 8601 in UTC. */
  updatedAt: string;
}>;

/** One table of a job. */
export type JobTableStatus = Readonly<{
  schema: string;
  table: string;
  phase: TablePhase;
  /** Snapshot rows sent so far. */
  rowsCopied: number;
  /** The source's row estimate. */
  estimatedRows: number;
  /** The error recorded with the table's last phase change; `null` when none. */
  lastError: string | null;
  /** ISO 8601 in UTC. */
  updatedAt: string;
}>;

/** Reads job state for status displays. */
export interface JobStatusReader {
  /** Every known job, ordered by id. */
  listJobs(): Promise<readonly JobSummary[]>;
  /** The tables of `jobId` ordered by schema and table; `undefined` if the job is unknown. */
  listJobTables(jobId: string): Promise<readonly JobTableStatus[] | undefined>;
}

/** Names a job's source, so status can show it; idempotent (the latest call wins). */
export interface JobRegistrar {
  /**
   * @returns The job's incarnation: an id the store made with the job's state and keeps while
   *   that state lives. Extractors stamp it on every message (`INCARNATION_HEADER`), so a loader
   *   can tell this run's messages from those an earlier incarnation left on the bus.
   */
  registerJob(jobId: string, source: JobSource): Promise<string>;
}

/** A job store that also registers jobs and reads status: what a coordinator serves. */
export type CoordinatorJobStore = JobStore & JobRegistrar & JobStatusReader;
