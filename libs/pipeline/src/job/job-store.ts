/**
 * The job state the coordinator owns (ARCHITECTURE §4): registered tables, snapshot progress per
 * table, and extractor checkpoints. The PostgreSQL implementation keeps it in the target's
 * `_replicator` schema; a NATS client forwards the same calls to a coordinator service. Extractors
 * depend only on this contract.
 */
import type { ChangeKey, SourcePosition, TableId } from '@database-replicator/core';
import type { SourceTable } from '../extractor/change-source.js';

/** Where a table is. */
export type TablePhase = 'pending' | 'snapshot' | 'snapshot_done' | 'streaming' | 'failed';

/** Snapshot progress of one table. */
export type SnapshotProgress = Readonly<{
  /** Key of the last row on the bus; the snapshot resumes after it. `null`: nothing sent yet. */
  afterKey: ChangeKey | null;
  /** Rows sent so far. */
  rows: number;
  /** Every row of the table is on the bus. */
  done: boolean;
}>;

/** A table handed to one snapshot worker. */
export type SnapshotClaim = Readonly<{
  table: TableId;
  progress: SnapshotProgress;
}>;

/** The source position of the last streamed message sent to one bus partition. */
export type SentPosition = Readonly<{
  topic: string;
  partition: number;
  position: SourcePosition;
}>;

/** An extractor's checkpoint: sent only after the bus acknowledged the events up to it. */
export type ExtractorCheckpoint = Readonly<{
  /** P0, recorded before the snapshot read any row. */
  start: SourcePosition;
  /** Where the change stream resumes; `start` until the stream checkpoints. */
  stream: SourcePosition;
  /** Every table's snapshot is on the bus: restart streams, never snapshots again. */
  snapshotDone: boolean;
  /**
   * Per partition that ever received a streamed change, the position of the last message sent
   * there before `stream`: once the loader's stored position of each reaches it, the target has
   * applied everything before `stream` (verify's catch-up, docs/verify.md). Absent in checkpoints
   * written before it existed; empty before the first streamed change.
   */
  sentUpTo?: readonly SentPosition[] | undefined;
}>;

/** Job state shared by extractors, the coordinator and status. */
export interface JobStore {
  /**
   * Registers the job's tables and creates the missing target tables (columns and primary key;
   * secondary indexes come after the snapshot). Idempotent: known tables keep their progress.
   */
  registerTables(jobId: string, tables: readonly SourceTable[]): Promise<void>;
  /** The stored checkpoint of `extractorId`, or `undefined` on a first run. */
  loadCheckpoint(jobId: string, extractorId: string): Promise<ExtractorCheckpoint | undefined>;
  saveCheckpoint(
    jobId: string,
    extractorId: string,
    checkpoint: ExtractorCheckpoint,
  ): Promise<void>;
  /**
   * Hands the next table whose snapshot is not done and not leased by another live worker to
   * `worker`, leased for `leaseMs` (renewed by each progress save); `undefined` when none is left.
   */
  claimSnapshotTable(
    jobId: string,
    worker: string,
    leaseMs: number,
  ): Promise<SnapshotClaim | undefined>;
  /**
   * Stores a claimed table's progress (renewing the lease). With `done`, the table's phase
   * becomes `snapshot_done` and its secondary indexes are created on the target.
   *
   * @throws ReplicatorError `REPL_JOB_LEASE_LOST` when another worker holds the lease now.
   */
  saveSnapshotProgress(
    jobId: string,
    worker: string,
    table: TableId,
    progress: SnapshotProgress,
  ): Promise<void>;
  /** Marks the tables as streaming (after the snapshot) or records a table's failure. */
  setTablePhase(jobId: string, table: TableId, phase: TablePhase, error?: string): Promise<void>;
  /**
   * The job's tables in phase `failed` (stopped by DDL the stream could not follow): a restarted
   * extractor keeps them stopped instead of streaming into a target table of the old shape.
   */
  failedTables(jobId: string): Promise<readonly TableId[]>;
  /**
   * Starts the snapshot of `tables` over: empties their target tables and resets their progress
   * (phase `pending`, nothing sent), in one transaction. Called after the source lost the
   * tables' history, once the loader applied everything sent before.
   */
  restartSnapshot(jobId: string, tables: readonly TableId[]): Promise<void>;
}
