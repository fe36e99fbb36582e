/**
 * A snapshot page as bus messages: per-row `r` events (Debezium-compatible), or snapshot chunks
 * (many rows per message, ARCHITECTURE §3) grouped so that every row of a chunk maps to the
 * chunk key's partition — a row's history stays in one partition, in order, either way.
 */
import {
  serializeChangeEvent,
  serializeSnapshotChunk,
  type ChangeRow,
  type SourcePosition,
} from '@database-replicator/core';
import type { ChangeSource, SourceTable } from './change-source.js';
import { messageKey, snapshotEvent } from './event-builder.js';
import type { ExtractorMessage } from './extractor-ports.js';

/** How snapshot rows travel: many per message, or one `r` event each. */
export type SnapshotEventMode = 'chunks' | 'rows';

/** What {@link snapshotMessages} needs besides the page. */
export type SnapshotMessageContext = Readonly<{
  source: ChangeSource;
  table: SourceTable;
  start: SourcePosition;
  mode: SnapshotEventMode;
  partitions: number;
  partitionForKey: (key: string, partitions: number) => number;
}>;

// Bounds of one chunk: small enough for Kafka's default 1 MB message limit after compression
// headroom, large enough that the per-message costs vanish.
const CHUNK_MAX_ROWS = 1000;
const CHUNK_MAX_BYTES = 64 * 1024;

/** The messages of one snapshot page, in key order within each partition. */
export function snapshotMessages(
  context: SnapshotMessageContext,
  page: readonly ChangeRow[],
): ExtractorMessage[] {
  const { source, table, start } = context;
  const now = Date.now();
  if (context.mode === 'rows') {
    return page.map((row) => ({
      key: messageKey(table.keyColumns, row),
      value: serializeChangeEvent(snapshotEvent(source, table, row, start, now)),
    }));
  }
  const sourceBlock = snapshotEvent(source, table, {}, start, now).source;
  const columns = table.columns.map((column) => column.name);
  const open = new Map<number, { key: string; rows: string[]; bytes: number }>();
  const messages: ExtractorMessage[] = [];
  const flush = (partition: number): void => {
    const chunk = open.get(partition);
    if (chunk === undefined) return;
    messages.push({
      key: chunk.key,
      value: serializeSnapshotChunk(sourceBlock, now, columns, chunk.rows),
    });
    open.delete(partition);
  };
  const partitioned = context.partitions > 1;
  for (const row of page) {
    // With one partition only a chunk's first row needs its key computed.
    const key = partitioned || !open.has(0) ? (messageKey(table.keyColumns, row) ?? '') : '';
    const partition = partitioned ? context.partitionForKey(key, context.partitions) : 0;
    const json = JSON.stringify(columns.map((name) => row[name] ?? null));
    const chunk = open.get(partition) ?? { key, rows: [], bytes: 0 };
    chunk.rows.push(json);
    chunk.bytes += json.length;
    open.set(partition, chunk);
    if (chunk.rows.length >= CHUNK_MAX_ROWS || chunk.bytes >= CHUNK_MAX_BYTES) flush(partition);
  }
  for (const partition of [...open.keys()]) flush(partition);
  return messages;
}
