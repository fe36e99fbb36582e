/**
 * What the loader needs from the bus, the target and the dead-letter topic, declared here as the
 * subset it calls (STYLE: contracts declare only the methods we use). `BusConsumer` of
 * @database-replicator/bus and a wrapper of `applyChangeBatch` of @database-replicator/postgres
 * match these structurally, so libs/pipeline imports neither a transport nor an engine.
 */
import type { ChangeEvent, CopyChunk, ErrorCode, TableId } from '@database-replicator/core';

/** A message as read from the bus; `offset` is an int64 as a decimal string. */
export type LoaderRecord = Readonly<{
  key: string | null;
  /** `null`: a tombstone (follows a delete, for log compaction); the loader ignores it. */
  value: string | null;
  offset: string;
  /** Header names and values; the loader reads `INCARNATION_HEADER`. */
  headers?: Readonly<Record<string, string>>;
  /**
   * The value as the extractor of this process built it (in-process bus only). A core
   * `LocalChangeEvent` is applied as it is: it never crossed a trust boundary, so it is not
   * parsed or validated again; `value` is read only to dead-letter it.
   */
  local?: LoaderLocalValue;
}>;

/** An in-process message value, as the loader sizes it. */
export interface LoaderLocalValue {
  /** About the bytes of its text form. */
  readonly sizeBytes: number;
}

/** Consecutive messages of one partition, in offset order. */
export type LoaderBatch = Readonly<{
  topic: string;
  partition: number;
  messages: readonly LoaderRecord[];
}>;

/**
 * The subset of a bus consumer the loader uses. The loader stops waiting for a batch when its
 * signal aborts; the consumer's owner closes the consumer afterwards.
 */
export interface LoaderConsumer extends AsyncIterable<LoaderBatch> {
  /**
   * Commits `offset`, the next offset to read (last processed + 1). `REPL_BUS_COMMIT_FAILED`
   * (the partition moved to another member) is tolerated by the loader.
   */
  commit(topic: string, partition: number, offset: string): Promise<void>;
}

/** One validated event with the bus coordinates it was read at. */
export type LoaderEvent = Readonly<{
  event: ChangeEvent;
  topic: string;
  partition: number;
  offset: string;
}>;

/** Events of ONE table, in offset order per partition: what {@link ChangeApplier.apply} gets. */
export type ApplyBatch = Readonly<{
  /** Offsets are stored per consumer group in the target. */
  consumerGroup: string;
  table: TableId;
  keyColumns: readonly string[];
  events: readonly LoaderEvent[];
}>;

/** One validated copy chunk with the bus coordinates it was read at. */
export type LoaderCopyChunk = Readonly<{
  chunk: CopyChunk;
  topic: string;
  partition: number;
  offset: string;
}>;

/** Copy chunks of ONE table, in offset order per partition: what {@link ChangeApplier.applyCopyChunks} gets. */
export type CopyChunkBatch = Readonly<{
  consumerGroup: string;
  table: TableId;
  keyColumns: readonly string[];
  chunks: readonly LoaderCopyChunk[];
}>;

/** Counts of one {@link ChangeApplier.apply} call. */
export type ApplyCounts = Readonly<{
  /** Events past the stored offsets, applied by this call. */
  applied: number;
  /** Events at or below the stored offsets (a replay), skipped. */
  skipped: number;
}>;

/**
 * Applies a batch to the target in one transaction together with the offsets it covers, so a
 * replay is skipped (exactly-once effect, ARCHITECTURE §4).
 */
export interface ChangeApplier {
  /**
   * @throws ReplicatorError `REPL_WRITER_TARGET_TABLE_INVALID`, `REPL_WRITER_EVENT_INVALID` or
   *   `REPL_WRITER_APPLY_FAILED` for a batch that cannot be applied (nothing of it is applied);
   *   transient failures (see `isTransientError`) are retried by the loader.
   */
  apply(batch: ApplyBatch): Promise<ApplyCounts>;
  /**
   * Applies several batches (of several tables, or of one table's partitions; each event in one
   * batch only) in ONE transaction with all the offsets they cover, with the same exactly-once
   * effect and errors as {@link apply}: what the bus delivered from many partitions at once costs
   * one transaction. Optional: without it the loader applies each partition's events on its own.
   */
  applyAll?(batches: readonly ApplyBatch[]): Promise<ApplyCounts>;
  /**
   * Loads copy chunks with their offsets in one transaction, with the same exactly-once effect
   * and the same errors as {@link apply}; counts are rows.
   */
  applyCopyChunks(batch: CopyChunkBatch): Promise<ApplyCounts>;
  /**
   * The events of `batch` (the events of one message the target refused as a whole) that the
   * target refuses, each with its index in `batch.events` and why; nothing is applied. Optional:
   * without it such a message is dead-lettered whole.
   *
   * @throws Transient failures, retried by the loader.
   */
  findPoison?(batch: ApplyBatch): Promise<readonly PoisonEvent[]>;
  /**
   * The rows of `batch` (copy chunks the target refused as a whole) that the target refuses,
   * each with its chunk's index in `batch.chunks`, its line in the chunk's COPY text and the
   * refusal; nothing is applied. Optional: without it such a chunk is dead-lettered whole.
   *
   * @throws Transient failures, retried by the loader.
   */
  findRefusedCopyRows?(batch: CopyChunkBatch): Promise<readonly RefusedCopyRow[]>;
  /**
   * Settles a message the target refused, once: runs `settle` (which dead-letters what the
   * target refuses of the message and applies the rest) holding the target's lock on the
   * message's partition, unless the stored offset is already past the message (then `settle`
   * does not run and the result is `undefined`: it was settled or applied before); once `settle`
   * returned, the stored offset is past the message even if nothing of it was applied. So a
   * message that two loaders hold at once (a rebalance hands a partition over while its old
   * owner still settles it) or that is read again (a replay) is dead-lettered once. Optional:
   * without it the loader settles without a lock, and a message read twice is dead-lettered
   * twice.
   *
   * @throws What `settle` throws (the offset is not stored then); transient failures, retried
   *   by the loader.
   */
  settleRefused?(
    message: RefusedMessage,
    settle: () => Promise<ApplyCounts>,
  ): Promise<ApplyCounts | undefined>;
}

/** Where a refused message was read, and the consumer group whose offsets it moves. */
export type RefusedMessage = Readonly<{
  consumerGroup: string;
  topic: string;
  partition: number;
  offset: string;
}>;

/** A row of a copy chunk the target refuses: chunk index, line index (from 0), refusal. */
export type RefusedCopyRow = Readonly<{
  chunk: number;
  line: number;
  error: Error & { code: ErrorCode };
}>;

/** An event the target refuses: its index in the probed batch and the refusal. */
export type PoisonEvent = Readonly<{ index: number; error: Error & { code: ErrorCode } }>;

/** A message the loader could not apply, with why. */
export type DeadLetter = Readonly<{
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  /** The error message: what failed and where. */
  reason: string;
  /** The `ReplicatorError` code, e.g. `REPL_EVENT_INVALID`. */
  code: string;
}>;

/** Where poison messages go (a dead-letter topic). */
export interface DeadLetterSink {
  /** Resolves once the letter is durably stored. */
  send(letter: DeadLetter): Promise<void>;
}
