/**
 * The unit the loader applies: consecutive change events of one table, as read from the bus.
 */
import type { ChangeEvent, CopyChunk, TableId } from '@database-replicator/core';

/** One event with the bus coordinates it was read at. */
export type BatchEvent = Readonly<{
  event: ChangeEvent;
  topic: string;
  partition: number;
  /** The bus offset, a non-negative decimal string (Kafka offsets are 64-bit). */
  offset: string;
}>;

/** Events of ONE target table, in offset order per partition. */
export type ChangeBatch = Readonly<{
  /** The loader's consumer group; offsets are stored per group. */
  consumerGroup: string;
  /** The target table. */
  table: TableId;
  /** The table's primary-key (or unique-index) columns, as named in the events. */
  keyColumns: readonly string[];
  events: readonly BatchEvent[];
}>;

/** Outcome of applying a batch. */
export type ApplyResult = Readonly<{
  /** Events past the stored offsets, i.e. applied by this call (before collapsing). */
  applied: number;
  /** Events at or below the stored offsets: applied before, skipped. */
  skipped: number;
  /** Rows written by upsert statements after collapsing per key. */
  upserts: number;
  /** Keys deleted after collapsing per key. */
  deletes: number;
}>;

/** One copy chunk (snapshot rows as COPY text) with the bus coordinates it was read at. */
export type BatchCopyChunk = Readonly<{
  chunk: CopyChunk;
  topic: string;
  partition: number;
  /** The bus offset, a non-negative decimal string. */
  offset: string;
}>;

/** Copy chunks of ONE target table, in offset order per partition. */
export type CopyChunkBatch = Readonly<{
  consumerGroup: string;
  table: TableId;
  keyColumns: readonly string[];
  chunks: readonly BatchCopyChunk[];
}>;
