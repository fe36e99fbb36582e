/**
 * What the pipeline needs from a source kind (ARCHITECTURE §5): its tables as the target will
 * hold them, the stream start position recorded before any row is read, key-ordered snapshot
 * pages, and the committed change stream. Every `libs/source-*` implements this structurally;
 * libs/pipeline never imports a source.
 */
import type {
  ChangeEvent,
  ChangeKey,
  ChangeRow,
  ConnectorName,
  SourcePosition,
  TableId,
} from '@database-replicator/core';

/** A column as the target creates it. */
export type TargetColumnDefinition = Readonly<{
  name: string;
  /** PostgreSQL type as DDL text: `numeric(12,2)`, `text[]`, `timestamp(6) with time zone`. */
  type: string;
  nullable: boolean;
}>;

/** A table the pipeline replicates, described for the target. */
export type SourceTable = Readonly<{
  /**
   * The table as events name it: `schema` is the source schema, or the database for sources
   * without schemas (MySQL/MariaDB, MongoDB); the target table has the same schema and name.
   */
  id: TableId;
  /** Primary-key (or chosen unique-key) columns, in key order; never empty. */
  keyColumns: readonly string[];
  /** Every replicated column, in source order. */
  columns: readonly TargetColumnDefinition[];
  /**
   * Complete `CREATE [UNIQUE] INDEX IF NOT EXISTS …` statements for the target (secondary
   * indexes, not the primary key), run once the table's snapshot is loaded.
   */
  indexes: readonly string[];
  /** The source's row estimate, for progress and ETA. */
  estimatedRows: number;
  /** Create the table, copy no rows (still streamed). */
  schemaOnly: boolean;
}>;

/** Options of {@link ChangeSource.readSnapshot}. */
export type SnapshotReadOptions = Readonly<{
  /** Rows per page yielded; a page is read with one query, so memory stays bounded. */
  pageRows: number;
  signal?: AbortSignal;
}>;

/** A snapshot page as PostgreSQL COPY text. */
export type CopySnapshotPage = Readonly<{
  /**
   * COPY text format (`\N` for NULL, backslash escapes): one line per row in key order, each
   * ended by `\n`, fields in `table.columns` order, each the PostgreSQL text input of the value
   * for the column's target type.
   */
  copy: string;
  /** Every row's key, in line order: they route rows to partitions; the last one is where the next page starts. */
  keys: readonly ChangeKey[];
}>;

/** One step of the change stream. */
export type SourceTransaction = Readonly<{
  /** Changes in commit order; empty for a heartbeat. Events carry their exact positions. */
  events: readonly ChangeEvent[];
  /**
   * Where the stream resumes once `events` and everything before them are on the bus: checkpoint
   * it, then {@link ChangeSource.acknowledge} it. `null` inside a large transaction that is split
   * into several steps: only the step that ends the transaction can be checkpointed.
   */
  resumeFrom: SourcePosition | null;
}>;

/** A source kind, as the extractor drives it. */
export interface ChangeSource {
  readonly connector: ConnectorName;
  /** The source's configured name: `source.name` of events and the second topic segment. */
  readonly name: string;
  /** `source.db` of events. */
  readonly database: string;
  /**
   * The selected tables (filters applied), described for the target.
   *
   * @throws ReplicatorError for a table that cannot be replicated (no key, unsupported type),
   *   naming it and the fix.
   */
  describeTables(): Promise<readonly SourceTable[]>;
  /**
   * Records the stream start position P0, creating what the stream needs (slot, publication,
   * changelog). Called once per job, before any snapshot row is read.
   */
  startPosition(): Promise<SourcePosition>;
  /**
   * Rows of `table` whose key is greater than `after` (all rows when `null`), in key order, in
   * pages of at most `pageRows`, with the table's row filters applied. Values are encoded for the
   * wire (`encodeValue`); every row has every column of `table.columns`.
   */
  readSnapshot(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncIterable<readonly ChangeRow[]>;
  /**
   * The same pages as {@link readSnapshot}, as COPY text: the fastest snapshot form, since the
   * target loads it as is (copy chunks, ARCHITECTURE §3). Optional: without it the extractor
   * sends the rows of {@link readSnapshot} as JSON snapshot chunks.
   */
  readSnapshotCopy?(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncIterable<CopySnapshotPage>;
  /**
   * The committed changes from `from` on (a position this source returned), until `signal`
   * aborts. Idle sources yield heartbeats (no events, a `resumeFrom`) so checkpoints advance.
   */
  streamChanges(from: SourcePosition, signal: AbortSignal): AsyncIterable<SourceTransaction>;
  /**
   * True when `error` (thrown by {@link streamChanges}) says the changes since the checkpoint
   * are gone for good (MongoDB's oplog rolled past the resume token). The extractor then empties
   * the streamed tables on the target, takes a new {@link startPosition} and snapshots them
   * again, instead of retrying a resume point that cannot work. Optional: without it every
   * stream error ends the run.
   */
  isHistoryLost?(error: unknown): boolean;
  /** Everything up to `position` is checkpointed: the source may release it (slot flush LSN). */
  acknowledge(position: SourcePosition): Promise<void>;
  /** Ends the stream and releases connections. Idempotent. */
  close(): Promise<void>;
}
