/**
 * Refresh mode, for servers without change streams: the shared refresh loop of libs/pipeline
 * (`refreshChanges`: every `refreshIntervalMs` each collection is read in full and compared by
 * `_id` and content hash with what the target may hold; differences become `c`/`u`/`d` events),
 * fed by one unsorted cursor per collection and cycle. Memory: one `_id` → hash map per
 * collection (about 100 bytes a document) plus one page.
 */
import type { Collection, Document } from 'mongodb';
import {
  tableKey,
  type ChangeEvent,
  type ChangeRow,
  type TableId,
} from '@database-replicator/core';
import {
  refreshChanges,
  type RefreshRow,
  type RefreshTable,
  type SourceTransaction,
} from '@database-replicator/pipeline';
import { ID_COLUMN } from './constants.js';
import { documentRow } from './document-row.js';
import { mongoFailure } from './mongo-call.js';
import { refreshPosition } from './position.js';
import type { RefreshStateStore } from './refresh-state.js';
import { READ_OPTIONS } from './snapshot.js';

/** What a refresh run reads and how often. */
export type RefreshContext = Readonly<{
  name: string;
  tables: readonly Readonly<{ id: TableId; collection: Collection }>[];
  store: RefreshStateStore;
  intervalMs: number;
  maxBatchEvents: number;
}>;

/**
 * Compares the collections with the state at refresh cycle `from` every `intervalMs` until
 * `signal` aborts, yielding their differences as events.
 *
 * @throws ReplicatorError `REPL_MONGO_REFRESH_STATE_MISSING`, `REPL_MONGO_QUERY_FAILED`,
 *   `REPL_MONGO_VALUE_UNSUPPORTED`.
 */
export function refreshMongoChanges(
  context: RefreshContext,
  from: bigint,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  return refreshChanges(
    {
      tables: context.tables.map((table) => refreshTable(context, table)),
      store: context.store,
      intervalMs: context.intervalMs,
      maxBatchEvents: context.maxBatchEvents,
      position: refreshPosition,
    },
    from,
    signal,
  );
}

function refreshTable(
  context: RefreshContext,
  { id, collection }: Readonly<{ id: TableId; collection: Collection }>,
): RefreshTable {
  return {
    key: tableKey(id),
    scan: (signal) => scanCollection(collection, context.maxBatchEvents, signal),
    event: (op, row, cycle, nowMs) =>
      refreshEvent(context.name, { table: id, cycle, nowMs }, op, row),
    deletedRow: (text) => ({ [ID_COLUMN]: text }),
  };
}

async function* scanCollection(
  collection: Collection,
  pageSize: number,
  signal: AbortSignal,
): AsyncGenerator<readonly RefreshRow[]> {
  const where = `${collection.dbName}.${collection.collectionName}`;
  const cursor = collection.find({}, READ_OPTIONS).batchSize(pageSize);
  try {
    let page: Document[] = [];
    for await (const document of cursor) {
      if (signal.aborted) return;
      page.push(document);
      if (page.length >= pageSize) {
        yield page.map((item) => documentRow(item, where));
        page = [];
      }
    }
    if (page.length > 0) yield page.map((item) => documentRow(item, where));
  } catch (error) {
    throw mongoFailure(`Refreshing ${where}`, error);
  } finally {
    await cursor.close();
  }
}

/** A refresh event of `table`'s collection, positioned at refresh cycle `cycle`. */
export function refreshEvent(
  name: string,
  { table, cycle, nowMs }: Readonly<{ table: TableId; cycle: bigint; nowMs: number }>,
  op: 'c' | 'u' | 'd',
  row: ChangeRow,
): ChangeEvent {
  const source = {
    connector: 'mongodb',
    name,
    db: table.schema,
    schema: null,
    table: table.table,
    snapshot: 'false',
    position: refreshPosition(cycle),
    ts_ms: nowMs,
  } as const;
  return op === 'd'
    ? { op, before: row, after: null, source, ts_ms: nowMs }
    : { op, before: null, after: row, source, ts_ms: nowMs };
}
