/**
 * A batch split at its schema changes (`s` events): the rows between two changes are planned
 * and written together, and each change is applied between the rows before and after it, all in
 * the batch's one transaction. Offsets move on through the segments, so a segment sees what the
 * segments before it applied as stored.
 */
import {
  comparePositions,
  formatTableRef,
  replicatorError,
  type SchemaChange,
  type SourcePosition,
} from '@database-replicator/core';
import type { BatchEvent, ChangeBatch } from './change-batch.js';
import { partitionKey, type PartitionAdvance, type StoredPartition } from './plan-change-batch.js';

/** Consecutive row events, or one schema change. */
export type BatchSegment =
  | Readonly<{ kind: 'rows'; events: readonly BatchEvent[] }>
  | Readonly<{ kind: 'schema'; item: BatchEvent; change: SchemaChange }>;

const OFFSET = /^(?:0|[1-9][0-9]*)$/;

/** The segments of `events`, in order; a batch without schema changes is one segment. */
export function segmentsOf(events: readonly BatchEvent[]): BatchSegment[] {
  const segments: BatchSegment[] = [];
  let rows: BatchEvent[] = [];
  for (const item of events) {
    const change = item.event.schema_change;
    if (change === undefined) {
      rows.push(item);
      continue;
    }
    if (rows.length > 0) segments.push({ kind: 'rows', events: rows });
    rows = [];
    segments.push({ kind: 'schema', item, change });
  }
  if (rows.length > 0) segments.push({ kind: 'rows', events: rows });
  return segments;
}

/** What to do with a schema change given what its partition holds. */
export type SchemaStep = Readonly<{
  /** Apply it: false when below the stored offset or resent (an older position). */
  apply: boolean;
  /** Where its partition moves; `undefined` when it is below the stored offset. */
  advance: PartitionAdvance | undefined;
}>;

/**
 * Plans one schema change against the partitions' running state.
 *
 * @throws ReplicatorError `REPL_WRITER_EVENT_INVALID` for an offset that is not a decimal string.
 */
export function planSchemaStep(
  batch: ChangeBatch,
  item: BatchEvent,
  running: ReadonlyMap<string, StoredPartition>,
): SchemaStep {
  if (!OFFSET.test(item.offset)) {
    throw replicatorError(
      'REPL_WRITER_EVENT_INVALID',
      `offset '${item.offset}' of a schema change at ${item.topic}[${item.partition}] for ${formatTableRef(batch.table)} is not a non-negative decimal string`,
      { details: { table: formatTableRef(batch.table), offset: item.offset } },
    );
  }
  const offset = BigInt(item.offset);
  const stored = running.get(partitionKey(item.topic, item.partition));
  if (offset < (stored?.nextOffset ?? 0n)) return { apply: false, advance: undefined };
  const position = item.event.source.position;
  const high = stored?.position ?? null;
  const resent = high !== null && isOrderedAfter(high, position);
  return {
    apply: !resent,
    advance: Object.freeze({
      topic: item.topic,
      partition: item.partition,
      nextOffset: String(offset + 1n),
      position: resent ? high : position,
    }),
  };
}

/** Records `advances` in `running` and `merged` (the last advance of a partition wins). */
export function recordAdvances(
  advances: readonly PartitionAdvance[],
  running: Map<string, StoredPartition>,
  merged: Map<string, PartitionAdvance>,
): void {
  for (const advance of advances) {
    const id = partitionKey(advance.topic, advance.partition);
    running.set(id, { nextOffset: BigInt(advance.nextOffset), position: advance.position });
    merged.set(id, advance);
  }
}

function isOrderedAfter(a: SourcePosition, b: SourcePosition): boolean {
  if (a.kind !== b.kind || a.kind === 'mongodb') return false;
  return comparePositions(a, b) > 0;
}
