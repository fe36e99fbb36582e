/**
 * Pure planning of a batch (ARCHITECTURE §4, §6): drop events the target already holds (bus
 * offset below the stored next offset), drop streamed events that an extractor resent after a
 * restart (source position below the partition's highest applied one: a partition carries its
 * rows' changes in source order, so an older position is a resend, and applying it again would
 * move rows back in time until the resend caught up), then collapse the rest per key so that
 * every key is written once, by one set-based statement.
 *
 * Collapse rules, in event order: the last event of a key wins; a delete after inserts is a
 * delete; an insert after a delete is an upsert of the new row; an update listing
 * `unchanged_columns` inherits those columns from an earlier upsert of the same batch (so an
 * insert+update never loses a TOAST value), and otherwise leaves them out, so the stored value
 * survives. An update that changes the key deletes the old key. A truncate forgets everything
 * before it.
 */
import {
  comparePositions,
  formatTableRef,
  replicatorError,
  type ChangeRow,
  type JsonValue,
  type SourcePosition,
} from '@database-replicator/core';
import type { BatchEvent, ChangeBatch } from './change-batch.js';

/** Upsert rows that provide the same columns: one staging table and one statement. */
export type UpsertGroup = Readonly<{
  /** Provided columns, sorted; the key columns are among them. */
  columns: readonly string[];
  /**
   * The rows lack columns the source did not send (unchanged TOAST): they only update stored
   * rows, since inserting them would have to invent the missing values.
   */
  partial: boolean;
  rows: readonly ChangeRow[];
}>;

/** What the target holds for a partition: the next offset and the highest applied position. */
export type StoredPartition = Readonly<{
  nextOffset: bigint;
  /** `null` before the first event, or when it cannot be compared. */
  position: SourcePosition | null;
}>;

/** Where a partition's stored offset moves to once the batch commits. */
export type PartitionAdvance = Readonly<{
  topic: string;
  partition: number;
  /** Highest applied offset + 1, decimal string. */
  nextOffset: string;
  /** Highest source position applied in the partition. */
  position: SourcePosition;
}>;

/** What {@link planChangeBatch} decided. */
export type ChangePlan = Readonly<{
  /** Truncate the table before the deletes and upserts. */
  truncate: boolean;
  /** Key rows to delete (key columns only). */
  deletes: readonly ChangeRow[];
  upserts: readonly UpsertGroup[];
  applied: number;
  skipped: number;
  /** Partitions with applied events, sorted by topic and partition. */
  advances: readonly PartitionAdvance[];
}>;

type KeyState =
  | Readonly<{ kind: 'delete'; key: ChangeRow }>
  | Readonly<{ kind: 'upsert'; row: ChangeRow; unchanged: readonly string[] }>;

const OFFSET = /^(?:0|[1-9][0-9]*)$/;

/** Identifies a partition in maps: topic and partition number. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * Plans `batch` against what the target holds per partition (`partitionKey` → stored; a missing
 * partition has applied nothing).
 *
 * @throws ReplicatorError `REPL_WRITER_EVENT_INVALID` for an offset that is not a decimal
 *   string or a row image without a key column.
 */
export function planChangeBatch(
  batch: ChangeBatch,
  stored: ReadonlyMap<string, StoredPartition>,
): ChangePlan {
  const partitions = new Map<string, PartitionRun>();
  const fresh: BatchEvent[] = [];
  // A batch holds long runs of one partition: look the partition up once per run.
  let run: PartitionRun | undefined;
  for (const item of batch.events) {
    if (run === undefined || run.topic !== item.topic || run.partition !== item.partition) {
      run = partitionRun(partitions, stored, item);
    }
    const offset = offsetOf(batch, item);
    if (offset < run.nextOffset) continue;
    if (run.last === undefined || offset > run.last.offset) run.last = { item, offset };
    const high = run.high;
    const resent = isResent(item, high);
    // Snapshot rows carry the stream start, below every streamed position; a streamed event that
    // is not resent is after `high`.
    if (high === null || (!resent && item.event.source.snapshot === 'false')) {
      run.high = item.event.source.position;
    }
    if (!resent) fresh.push(item);
  }
  const { states, truncate } = collapse(batch, fresh);
  const { deletes, upserts } = groupStates(states);
  return Object.freeze({
    truncate,
    deletes: Object.freeze(deletes),
    upserts,
    applied: fresh.length,
    skipped: batch.events.length - fresh.length,
    // Resent events are consumed too: the offsets move past them.
    advances: advancesOf(partitions),
  });
}

/** One partition's events of a batch: what the target holds, and how far the batch goes. */
type PartitionRun = {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: bigint;
  /** Highest source position applied so far (stored, then this batch's). */
  high: SourcePosition | null;
  /** The event with the highest offset not below `nextOffset`. */
  last: { item: BatchEvent; offset: bigint } | undefined;
};

function partitionRun(
  partitions: Map<string, PartitionRun>,
  stored: ReadonlyMap<string, StoredPartition>,
  item: BatchEvent,
): PartitionRun {
  const id = partitionKey(item.topic, item.partition);
  let run = partitions.get(id);
  if (run === undefined) {
    const held = stored.get(id);
    run = {
      topic: item.topic,
      partition: item.partition,
      nextOffset: held?.nextOffset ?? 0n,
      high: held?.position ?? null,
      last: undefined,
    };
    partitions.set(id, run);
  }
  return run;
}

/** Collapsed key states as deletes and upsert groups (rows providing the same columns). */
function groupStates(states: ReadonlyMap<string, KeyState>): {
  deletes: ChangeRow[];
  upserts: readonly UpsertGroup[];
} {
  const deletes: ChangeRow[] = [];
  const groups = new Map<string, { columns: string[]; partial: boolean; rows: ChangeRow[] }>();
  // Rows of one source mostly list their columns in the same order: sort each order once, and
  // find a row's group without listing its columns when it has the previous row's order.
  const byOrder = new Map<string, { names: readonly string[]; columns: string[] }>();
  let previous: { names: readonly string[]; columns: string[] } | undefined;
  for (const state of states.values()) {
    if (state.kind === 'delete') {
      deletes.push(state.key);
      continue;
    }
    if (previous === undefined || !hasColumnsInOrder(state.row, previous.names)) {
      const names = Object.keys(state.row);
      const order = names.join('\u0000');
      previous = byOrder.get(order) ?? { names, columns: [...names].sort() };
      byOrder.set(order, previous);
    }
    const { columns } = previous;
    const partial = state.unchanged.length > 0;
    const id = `${partial ? 'partial' : 'full'}\u0000${columns.join('\u0000')}`;
    let group = groups.get(id);
    if (group === undefined) {
      group = { columns, partial, rows: [] };
      groups.set(id, group);
    }
    group.rows.push(state.row);
  }
  return {
    deletes,
    upserts: Object.freeze([...groups.values()].map((group) => Object.freeze(group))),
  };
}

/** True if `row`'s own keys are exactly `names`, in that order. */
function hasColumnsInOrder(row: ChangeRow, names: readonly string[]): boolean {
  let index = 0;
  for (const name in row) {
    if (names[index] !== name) return false;
    index += 1;
  }
  return index === names.length;
}

/** A streamed event whose position is below the partition's highest applied one. */
function isResent(item: BatchEvent, high: SourcePosition | null): boolean {
  if (high === null || item.event.source.snapshot !== 'false') return false;
  return isOrderedAfter(high, item.event.source.position);
}

/**
 * `a` is after `b`; false when the two cannot be ordered (resume tokens, mixed kinds). Runs for
 * every event: positions of one transaction share their commit LSN or binlog file, which is
 * compared as text before `comparePositions` parses anything.
 */
function isOrderedAfter(a: SourcePosition, b: SourcePosition): boolean {
  if (a.kind !== b.kind || a.kind === 'mongodb') return false;
  if (a.kind === 'postgres' && b.kind === 'postgres' && a.lsn === b.lsn) {
    return a.txIndex > b.txIndex;
  }
  if (a.kind === 'mysql' && b.kind === 'mysql' && a.file === b.file) {
    return a.pos > b.pos || (a.pos === b.pos && a.eventIndex > b.eventIndex);
  }
  return comparePositions(a, b) > 0;
}

function collapse(
  batch: ChangeBatch,
  events: readonly BatchEvent[],
): { states: Map<string, KeyState>; truncate: boolean } {
  let states = new Map<string, KeyState>();
  let truncate = false;
  for (const item of events) {
    const { event } = item;
    if (event.op === 't') {
      states = new Map();
      truncate = true;
    } else if (event.op === 'd') {
      const key = keyOf(batch, item, event.before);
      states.set(keyId(batch, key), { kind: 'delete', key });
    } else {
      upsert(batch, item, states);
    }
  }
  return { states, truncate };
}

function upsert(batch: ChangeBatch, item: BatchEvent, states: Map<string, KeyState>): void {
  const after = item.event.after ?? {};
  const id = keyId(batch, checkedKey(batch, item, item.event.after));
  if (item.event.before !== null && item.event.op === 'u') {
    // A key change: the old key's row is gone (a source that can send it as one update).
    const oldKey = keyOf(batch, item, item.event.before);
    const oldId = keyId(batch, oldKey);
    if (oldId !== id) states.set(oldId, { kind: 'delete', key: oldKey });
  }
  const previous = states.get(id);
  const unchanged = item.event.unchanged_columns ?? NONE;
  const row =
    previous?.kind === 'upsert' && unchanged.length > 0
      ? inherit(previous.row, after, unchanged)
      : after;
  const missing =
    unchanged.length === 0 ? NONE : unchanged.filter((column) => row[column] === undefined);
  states.set(id, { kind: 'upsert', row, unchanged: missing });
}

const NONE: readonly string[] = Object.freeze([]);

/** `after` plus the unchanged columns the earlier upsert of the same key provided. */
function inherit(earlier: ChangeRow, after: ChangeRow, unchanged: readonly string[]): ChangeRow {
  const row: Record<string, JsonValue> = { ...after };
  for (const column of unchanged) {
    const value = earlier[column];
    if (value !== undefined) row[column] = value;
  }
  return row;
}

/** The key columns of `image` (a new object). */
function keyOf(batch: ChangeBatch, item: BatchEvent, image: ChangeRow | null): ChangeRow {
  const key: Record<string, JsonValue> = {};
  for (const column of batch.keyColumns) key[column] = keyValue(batch, item, image, column);
  return key;
}

/** `image` itself once every key column is in it (no key object is needed for an upsert). */
function checkedKey(batch: ChangeBatch, item: BatchEvent, image: ChangeRow | null): ChangeRow {
  for (const column of batch.keyColumns) keyValue(batch, item, image, column);
  return image ?? {};
}

function keyValue(
  batch: ChangeBatch,
  item: BatchEvent,
  image: ChangeRow | null,
  column: string,
): JsonValue {
  const value = image?.[column];
  if (value === undefined) {
    throw replicatorError(
      'REPL_WRITER_EVENT_INVALID',
      `the '${item.event.op}' event at ${item.topic}[${item.partition}]@${item.offset} for ${formatTableRef(batch.table)} has no key column ${column}`,
      { details: { table: formatTableRef(batch.table), column, offset: item.offset } },
    );
  }
  return value;
}

/** Identifies a key within the batch: its key columns' values as JSON. */
function keyId(batch: ChangeBatch, key: ChangeRow): string {
  const [only] = batch.keyColumns;
  if (batch.keyColumns.length === 1 && only !== undefined) return JSON.stringify(key[only]);
  return JSON.stringify(batch.keyColumns.map((column) => key[column]));
}

function offsetOf(batch: ChangeBatch, item: BatchEvent): bigint {
  if (!OFFSET.test(item.offset)) {
    throw replicatorError(
      'REPL_WRITER_EVENT_INVALID',
      `offset '${item.offset}' of an event at ${item.topic}[${item.partition}] for ${formatTableRef(batch.table)} is not a non-negative decimal string`,
      { details: { table: formatTableRef(batch.table), offset: item.offset } },
    );
  }
  return BigInt(item.offset);
}

/** Where each partition with events past its stored offset moves, sorted by topic and partition. */
function advancesOf(partitions: ReadonlyMap<string, PartitionRun>): readonly PartitionAdvance[] {
  const advances: PartitionAdvance[] = [];
  for (const run of partitions.values()) {
    if (run.last === undefined) continue;
    advances.push(
      Object.freeze({
        topic: run.topic,
        partition: run.partition,
        nextOffset: String(run.last.offset + 1n),
        position: run.high ?? run.last.item.event.source.position,
      }),
    );
  }
  return Object.freeze(
    advances.sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    ),
  );
}
