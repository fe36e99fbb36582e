/**
 * The shapes of libs/pipeline's job contracts (`JobStore`, `JobRegistrar`, `JobStatusReader` and
 * their data), declared here so libs/postgres implements them structurally without depending on
 * libs/pipeline (as verify does for `TableChecksummer`). Keep them in step with
 * libs/pipeline/src/job/job-store.ts and job-status.ts; the integration tests pass this store
 * where the pipeline's types are expected, so a drift fails to compile there.
 */
import type { ChangeKey, SourceKind, SourcePosition, TableId } from '@database-replicator/core';

/** Where a table is (libs/pipeline `TablePhase`). */
export type JobTablePhase = 'pending' | 'snapshot' | 'snapshot_done' | 'streaming' | 'failed';

/** The phases, as the CHECK constraint of `_replicator.job_tables.phase` lists them. */
export const JOB_TABLE_PHASES: readonly JobTablePhase[] = Object.freeze([
  'pending',
  'snapshot',
  'snapshot_done',
  'streaming',
  'failed',
]);

/** A table to register (libs/pipeline `SourceTable`): column types are DDL text from the source. */
export type JobSourceTable = Readonly<{
  id: TableId;
  keyColumns: readonly string[];
  columns: readonly Readonly<{ name: string; type: string; nullable: boolean }>[];
  indexes: readonly string[];
  estimatedRows: number;
  schemaOnly: boolean;
}>;

/** libs/pipeline `SnapshotProgress`. */
export type JobSnapshotProgress = Readonly<{
  afterKey: ChangeKey | null;
  rows: number;
  done: boolean;
}>;

/** libs/pipeline `SnapshotClaim`. */
export type JobSnapshotClaim = Readonly<{ table: TableId; progress: JobSnapshotProgress }>;

/** libs/pipeline `SentPosition`: the position of the last streamed message sent to a partition. */
export type JobSentPosition = Readonly<{
  topic: string;
  partition: number;
  position: SourcePosition;
}>;

/** libs/pipeline `ExtractorCheckpoint`. */
export type JobExtractorCheckpoint = Readonly<{
  start: SourcePosition;
  stream: SourcePosition;
  snapshotDone: boolean;
  /** Absent in checkpoints written before it existed. */
  sentUpTo?: readonly JobSentPosition[] | undefined;
}>;

/** libs/pipeline `JobSource`. */
export type JobSourceName = Readonly<{ kind: SourceKind; name: string }>;

/** libs/pipeline `JobSummary`. */
export type JobSummaryRow = Readonly<{
  jobId: string;
  sourceKind: SourceKind | null;
  sourceName: string | null;
  tables: Readonly<Record<JobTablePhase, number>>;
  rowsCopied: number;
  estimatedRows: number;
  updatedAt: string;
}>;

/** libs/pipeline `JobTableStatus`. */
export type JobTableStatusRow = Readonly<{
  schema: string;
  table: string;
  phase: JobTablePhase;
  rowsCopied: number;
  estimatedRows: number;
  lastError: string | null;
  updatedAt: string;
}>;
