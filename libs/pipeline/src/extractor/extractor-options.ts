import type { Logger, SourcePosition, TableId } from '@database-replicator/core';
import type { JobStore } from '../job/job-store.js';
import type { ChangeSource } from './change-source.js';
import type { ExtractorBus } from './extractor-ports.js';
import type { SnapshotEventMode } from './snapshot-messages.js';
import type { ChangeEventMode } from './stream-topic-messages.js';

/** Options of {@link runExtractor}. */
export type ExtractorOptions = Readonly<{
  source: ChangeSource;
  bus: ExtractorBus;
  store: JobStore;
  jobId: string;
  /** Names this extractor's checkpoint; a restarted extractor uses the same id. */
  extractorId: string;
  topicPrefix: string;
  /** Partitions of each topic created. */
  partitions: number;
  /** The bus's key → partition mapping (libs/bus `partitionForKey`), to group snapshot chunks. */
  partitionForKey: (key: string, partitions: number) => number;
  /**
   * Copy chunks go to their rows' key partitions (`'key'`, default), or each chunk to the
   * partition of its first row (`'spread'`), which saves routing every row. `'spread'` needs
   * `awaitApplied` (awaited before the stream starts, also when a run resumes with the snapshot
   * done) or a `beforeCheckpoint` that waits until the loader applied what was sent: either way
   * every snapshot row is applied before the stream sends anything, so no change is overtaken.
   */
  snapshotRouting?: 'key' | 'spread';
  /** Snapshot rows as chunks (many per message; default) or as per-row `r` events. */
  snapshotEvents?: SnapshotEventMode;
  /** `false`: stop once the snapshot is on the bus (the stream start stays recorded for `sync`). */
  stream: boolean;
  /** Tables read at once. Default 2. */
  snapshotWorkers?: number;
  /** Rows per snapshot page (one read, one send, one progress save). Default 2000. */
  pageRows?: number;
  /**
   * Least time between two snapshot progress saves of a table (besides its first page and its
   * end). Saves run while the next pages are read, and a restart resends what came after the
   * last one. Default 0: every page, so a restart resends one page at most. An in-process bus,
   * where a save waits until the loader applied what it covers, wants about a second.
   */
  checkpointIntervalMs?: number;
  /** How long a snapshot worker holds a table without saving progress. Default 60 s. */
  leaseMs?: number;
  /**
   * Streamed changes one per message (`'rows'`, Debezium-compatible; default), or inserts,
   * updates and deletes gathered per partition in change chunks, many per message: as text
   * (`'chunks'`, for a bus that leaves the process, Kafka) or as the event objects
   * (`'local-chunks'`, for the in-process bus).
   */
  changeEvents?: ChangeEventMode;
  /** Stream events sent (and checkpointed) together at most. Default 5000. */
  maxStreamEvents?: number;
  /** Longest a streamed transaction waits for more before it is sent. Default 200 ms. */
  streamFlushMs?: number;
  /**
   * Resolves once everything sent so far is durable; awaited before every checkpoint. Default:
   * the bus's acknowledgement is enough (Kafka). An in-process bus loses what it holds with the
   * process, so its owner makes this wait until the loader has applied what was sent.
   */
  beforeCheckpoint?: () => Promise<void>;
  /**
   * Resolves once the loader has applied everything sent so far (or when `signal` aborts). A
   * table whose source history was lost (`ChangeSource.isHistoryLost`) is emptied on the target
   * and snapshotted again only after this, so no older event lands on the new copy. Without it
   * such a loss ends the run with the source's error.
   */
  awaitApplied?: () => Promise<void>;
  /** Aborting stops at the next checkpoint; the run resolves. */
  signal: AbortSignal;
  logger: Logger;
  onProgress?: (progress: ExtractorProgress) => void;
}>;

/** Reported after each snapshot page and each stream checkpoint. */
export type ExtractorProgress =
  | Readonly<{
      phase: 'snapshot';
      table: TableId;
      rows: number;
      estimatedRows: number;
      done: boolean;
    }>
  | Readonly<{
      phase: 'stream';
      /** Events sent since the stream started in this run. */
      events: number;
      /** The stream's checkpoint. */
      position: SourcePosition;
      /** Commit time of the last event sent, Unix epoch ms; `undefined` before the first. */
      lastEventAt: number | undefined;
    }>;

/** What a run did. */
export type ExtractorReport = Readonly<{
  /** Snapshot rows sent by this run. */
  snapshotRows: number;
  /** Stream events sent by this run. */
  streamEvents: number;
  /** The stored checkpoint at the end. */
  position: SourcePosition;
}>;
