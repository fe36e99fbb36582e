/**
 * Turns source rows and events into bus messages: the snapshot `r` event of a row, and the
 * message key (the key columns as a JSON object, in key order) that keeps a row's history in one
 * partition (ARCHITECTURE §3).
 */
import {
  LocalChangeEvent,
  eventTopic,
  serializeChangeEvent,
  tableKey,
  type ChangeEvent,
  type ChangeKey,
  type ChangeRow,
  type SourcePosition,
  type TableId,
} from '@database-replicator/core';
import type { ChangeSource, SourceTable } from './change-source.js';
import type { ExtractorMessage } from './extractor-ports.js';

/** Connectors whose tables live in databases, not schemas: `source.db` names the table's database. */
const SCHEMALESS = new Set(['mysql', 'mongodb']);

/** The key columns of `row` as the message key; `null` when the row lacks a key column. */
export function messageKey(keyColumns: readonly string[], row: ChangeRow | null): string | null {
  if (row === null) return null;
  // Concatenated rather than JSON.stringify of an object: this runs for every row sent.
  let key = '{';
  for (let index = 0; index < keyColumns.length; index += 1) {
    const column = keyColumns[index] ?? '';
    const value = row[column];
    if (value === undefined) return null;
    if (index > 0) key += ',';
    key += `${JSON.stringify(column)}:${typeof value === 'number' && Number.isFinite(value) ? String(value) : JSON.stringify(value)}`;
  }
  return `${key}}`;
}

/** The key of `row` as snapshot progress stores it (resume after this key). */
export function rowKey(keyColumns: readonly string[], row: ChangeRow): ChangeKey {
  return Object.fromEntries(keyColumns.map((column) => [column, row[column] ?? null]));
}

/** Identifies a table by schema and name (events carry no more), for maps. */
export function tableIdKey(id: TableId): string {
  return tableKey({ schema: id.schema, table: id.table });
}

/** The topic of a table's events. */
export function tableTopic(prefix: string, source: ChangeSource, table: SourceTable): string {
  return eventTopic(prefix, source.name, table.id.schema, table.id.table);
}

/** The snapshot (`r`) event of one row read after the stream start `start`. */
export function snapshotEvent(
  source: ChangeSource,
  table: SourceTable,
  row: ChangeRow,
  start: SourcePosition,
  now: number,
): ChangeEvent {
  const schemaless = SCHEMALESS.has(source.connector);
  return {
    before: null,
    after: row,
    op: 'r',
    ts_ms: now,
    source: {
      connector: source.connector,
      name: source.name,
      db: schemaless ? table.id.schema : source.database,
      schema: schemaless ? null : table.id.schema,
      table: table.id.table,
      snapshot: 'true',
      position: start,
      ts_ms: now,
    },
  };
}

/** A change event with the message key it travels under. */
export type KeyedEvent = Readonly<{ key: string | null; event: ChangeEvent }>;

/**
 * A change event as the events to send, each with its row's key. An update that changes the key
 * becomes a delete of the old key and an upsert of the new one, as Debezium does: the two keys
 * may live in different partitions, and the old key's delete must stay ordered after its earlier
 * events.
 */
export function keyedEvents(event: ChangeEvent, keyColumns: readonly string[]): KeyedEvent[] {
  if (event.op === 'd') return [{ key: messageKey(keyColumns, event.before), event }];
  const newKey = messageKey(keyColumns, event.after);
  if (event.op === 'u' && event.before !== null) {
    const oldKey = messageKey(keyColumns, event.before);
    if (oldKey !== null && newKey !== null && oldKey !== newKey) {
      const { before, source, ts_ms } = event;
      const deleted: ChangeEvent = Object.freeze({ before, after: null, op: 'd', source, ts_ms });
      const moved: ChangeEvent = Object.freeze({ ...event, before: null });
      return [
        { key: oldKey, event: deleted },
        { key: newKey, event: moved },
      ];
    }
  }
  return [{ key: newKey, event }];
}

/**
 * A change event as bus messages keyed by its row's key ({@link keyedEvents}). The messages
 * carry the events themselves (`local`) and serialise them only when `value` is read: an
 * in-process bus hands the objects to the loader, Kafka sends the JSON.
 */
export function eventMessages(
  event: ChangeEvent,
  keyColumns: readonly string[],
): ExtractorMessage[] {
  return keyedEvents(event, keyColumns).map(
    (keyed) => new LocalEventMessage(keyed.key, keyed.event),
  );
}

/** A change event message whose JSON `value` is made on first read. */
class LocalEventMessage implements ExtractorMessage {
  readonly key: string | null;
  readonly local: LocalChangeEvent;

  constructor(key: string | null, event: ChangeEvent) {
    this.key = key;
    this.local = new LocalChangeEvent(event);
  }

  get value(): string {
    return this.local.encode();
  }
}

/** Per partition count: one message key per partition that lands on it. */
const partitionKeys = new Map<number, readonly string[]>();

/**
 * A schema change (`s` event) as one message per partition of the table's topic: each partition
 * holds its rows in order, so each needs the change between its rows before and after it (the
 * writer applies it once and skips the copies). Keys are chosen to land on each partition.
 */
export function schemaChangeMessages(
  event: ChangeEvent,
  partitions: number,
  partitionForKey: (key: string, partitions: number) => number,
): ExtractorMessage[] {
  const value = serializeChangeEvent(event);
  return keysForPartitions(partitions, partitionForKey).map((key) => ({ key, value }));
}

function keysForPartitions(
  partitions: number,
  partitionForKey: (key: string, partitions: number) => number,
): readonly string[] {
  const cached = partitionKeys.get(partitions);
  if (cached !== undefined) return cached;
  const keys: string[] = [];
  let found = 0;
  // murmur2 spreads consecutive keys evenly: a few times `partitions` tries find every partition.
  for (let n = 0; found < partitions; n += 1) {
    const key = `{"schema_change":${n}}`;
    const partition = partitionForKey(key, partitions);
    if (keys[partition] === undefined) {
      keys[partition] = key;
      found += 1;
    }
  }
  const frozen = Object.freeze(keys);
  partitionKeys.set(partitions, frozen);
  return frozen;
}
