/**
 * A snapshot page as bus messages: per-row `r` events (Debezium-compatible), or snapshot chunks
 * (many rows per message, ARCHITECTURE §3) grouped so that every row of a chunk maps to the
 * chunk key's partition — a row's history stays in one partition, in order, either way.
 */
import {
  countLines,
  serializeChangeEvent,
  serializeCopyChunk,
  serializeSnapshotChunk,
  type ChangeRow,
  type SourcePosition,
} from '@database-replicator/core';
import type { ChangeSource, CopySnapshotPage, SourceTable } from './change-source.js';
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
  /** See `ExtractorOptions.snapshotRouting`. */
  routing: 'key' | 'spread';
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

// COPY text of one copy chunk at most: JSON escaping can double it, which stays under Kafka's
// default 1 MB message limit.
const COPY_CHUNK_MAX_BYTES = 256 * 1024;

/** The messages of one COPY-text page (copy chunks), in key order within each partition. */
export function copySnapshotMessages(
  context: SnapshotMessageContext,
  page: CopySnapshotPage,
): ExtractorMessage[] {
  const { source, table, start } = context;
  const now = Date.now();
  const sourceBlock = snapshotEvent(source, table, {}, start, now).source;
  const columns = table.columns.map((column) => column.name);
  const message = (key: string, rows: number, copy: string): ExtractorMessage => ({
    key,
    value: serializeCopyChunk(sourceBlock, now, columns, rows, copy),
  });
  if (context.partitions <= 1 || context.routing === 'spread') {
    // Lines need no key of their own: cut at line ends, route each piece by its first row.
    let line = 0;
    return splitLines(page.copy, COPY_CHUNK_MAX_BYTES).map(([rows, copy]) => {
      const key = messageKey(table.keyColumns, page.keys[line] ?? null) ?? '';
      line += rows;
      return message(key, rows, copy);
    });
  }
  const open = new Map<number, { key: string; lines: string[]; bytes: number }>();
  const messages: ExtractorMessage[] = [];
  const flush = (partition: number): void => {
    const chunk = open.get(partition);
    if (chunk === undefined) return;
    messages.push(message(chunk.key, chunk.lines.length, chunk.lines.join('')));
    open.delete(partition);
  };
  let from = 0;
  for (const rowKeyValue of page.keys) {
    const end = page.copy.indexOf('\n', from) + 1;
    const line = page.copy.slice(from, end);
    from = end;
    const key = messageKey(table.keyColumns, rowKeyValue) ?? '';
    const partition = context.partitionForKey(key, context.partitions);
    const chunk = open.get(partition) ?? { key, lines: [], bytes: 0 };
    chunk.lines.push(line);
    chunk.bytes += line.length;
    open.set(partition, chunk);
    if (chunk.bytes >= COPY_CHUNK_MAX_BYTES) flush(partition);
  }
  for (const partition of [...open.keys()]) flush(partition);
  return messages;
}

/** `text` cut after line ends into pieces of about `maxBytes`: [lines, piece] each. */
function splitLines(text: string, maxBytes: number): [number, string][] {
  const pieces: [number, string][] = [];
  let from = 0;
  while (from < text.length) {
    const limit = Math.min(text.length, from + maxBytes);
    let end = text.lastIndexOf('\n', limit - 1) + 1;
    // A line longer than maxBytes travels alone.
    if (end <= from) end = text.indexOf('\n', limit - 1) + 1;
    const piece = text.slice(from, end);
    pieces.push([countLines(piece), piece]);
    from = end;
  }
  return pieces;
}
