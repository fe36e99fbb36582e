/**
 * Options and counts of the loader loop (run-loader.ts).
 */
import type { Logger, TableId } from '@database-replicator/core';
import type { ChangeApplier, DeadLetterSink, LoaderConsumer } from './loader-ports.js';

/** Options of `runLoader`. */
export type LoaderOptions = Readonly<{
  consumer: LoaderConsumer;
  applier: ChangeApplier;
  deadLetters: DeadLetterSink;
  /**
   * Key columns of a table; `undefined` for a table the loader does not know (its events are
   * dead-lettered). Called per event: answer from a cache.
   */
  keyColumnsOf: (table: TableId) => Promise<readonly string[] | undefined>;
  /**
   * Whether a job of the target has `incarnation` (the `INCARNATION_HEADER` of a message); a
   * message of another is skipped and counted. Asked once per value. Default: every message is
   * applied.
   */
  isJobIncarnation?: (incarnation: string) => Promise<boolean>;
  /** Consumer group under which the target stores offsets. */
  consumerGroup: string;
  /**
   * Messages applied (and committed) together at most, of one partition or of several; at least
   * 1. Default 500.
   */
  maxBatchMessages?: number;
  /**
   * Bytes of message values applied together at most (a slice always holds one message, however
   * large). Default 4 MiB.
   */
  maxBatchBytes?: number;
  /** Attempts per apply, dead-letter send or commit on transient failures. Default 5. */
  maxAttempts?: number;
  /** Aborting stops the loop after the chunk in flight is committed (or at once when idle). */
  signal?: AbortSignal;
  logger: Logger;
  /** Called after each commit; e.g. to publish progress or, in tests, to stop once drained. */
  onCommit?: (progress: LoaderProgress) => void;
}>;

/** Counts since the loop started. */
export type LoaderStats = Readonly<{
  /** Events applied (past the stored offsets). */
  applied: number;
  /** Events at or below the stored offsets (replays), skipped by the applier. */
  skipped: number;
  /** Messages sent to the dead-letter sink. */
  deadLettered: number;
  /** Tombstones (null values) ignored. */
  tombstones: number;
  /**
   * Messages of an incarnation no job of the target has (an earlier run's, on a target since
   * replaced or emptied), skipped.
   */
  otherIncarnations: number;
}>;

/** What {@link LoaderOptions.onCommit} receives. */
export type LoaderProgress = Readonly<{
  topic: string;
  partition: number;
  /** The committed offset: the next to read. */
  nextOffset: string;
  stats: LoaderStats;
}>;
