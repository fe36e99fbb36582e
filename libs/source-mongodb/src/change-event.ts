/**
 * One change-stream event as a change event: `insert` → `c`, `update`/`replace` → `u` with the
 * whole document as `after` (the `updateLookup` image: the document as it is when the server
 * looks it up, which can be newer than the event but never older; the later events follow), and
 * `delete` → `d` with the key. An update whose lookup found no document (deleted since) becomes
 * a `d`: that is the document's state at lookup time, and its own delete event follows. `drop`,
 * `rename`, `dropDatabase` and `invalidate` end the stream with an error; other events (index and
 * collection DDL) carry no rows and are skipped.
 */
import type { ChangeStreamDocument } from 'mongodb';
import {
  replicatorError,
  tableKey,
  type ChangeEvent,
  type ChangeRow,
} from '@database-replicator/core';
import { ID_COLUMN } from './constants.js';
import { documentRow } from './document-row.js';
import { idText } from './id-text.js';
import { streamPosition, timestampValue } from './position.js';

/** What events say about where they come from. */
export type StreamOrigin = Readonly<{
  /** `source.name` of events. */
  name: string;
  /** `tableKey({ schema: database, table: collection })` of every replicated collection. */
  tables: ReadonlySet<string>;
}>;

const ENDING = new Set(['drop', 'rename', 'dropDatabase', 'invalidate']);

/**
 * The event of `change`; `undefined` for events without rows and for collections that are not
 * replicated.
 *
 * @throws ReplicatorError `REPL_MONGO_STREAM_INVALIDATED` for the events that end a stream,
 *   `REPL_MONGO_VALUE_UNSUPPORTED` as the snapshot does.
 */
export function changeStreamEvent(
  change: ChangeStreamDocument,
  origin: StreamOrigin,
  nowMs: number,
): ChangeEvent | undefined {
  if (ENDING.has(change.operationType)) throw invalidated(change);
  if (
    change.operationType !== 'insert' &&
    change.operationType !== 'update' &&
    change.operationType !== 'replace' &&
    change.operationType !== 'delete'
  ) {
    return undefined;
  }
  const { db, coll } = change.ns;
  if (!origin.tables.has(tableKey({ schema: db, table: coll }))) return undefined;
  const id = idText(change.documentKey._id);
  const source = {
    connector: 'mongodb',
    name: origin.name,
    db,
    schema: null,
    table: coll,
    snapshot: 'false',
    position: streamPosition(change._id, change.clusterTime),
    ts_ms: committedAtMs(change),
  } as const;
  const key: ChangeRow = { [ID_COLUMN]: id };
  if (change.operationType === 'delete') {
    return { op: 'd', before: key, after: null, source, ts_ms: nowMs };
  }
  const document = change.fullDocument;
  if (document === undefined || document === null) {
    return { op: 'd', before: key, after: null, source, ts_ms: nowMs };
  }
  const { row: after } = documentRow(document, `${db}.${coll}`);
  return change.operationType === 'insert'
    ? { op: 'c', before: null, after, source, ts_ms: nowMs }
    : { op: 'u', before: null, after, source, ts_ms: nowMs };
}

/** The commit time: `wallTime` (MongoDB 6.0+), else the cluster time's seconds. */
function committedAtMs(change: ChangeStreamDocument): number {
  if ('wallTime' in change && change.wallTime instanceof Date) return change.wallTime.getTime();
  const time = change.clusterTime;
  return time === undefined ? 0 : Number(timestampValue(time) >> 32n) * 1000;
}

function invalidated(change: ChangeStreamDocument): Error {
  const ns = 'ns' in change && change.ns !== undefined ? change.ns : undefined;
  const where =
    ns === undefined ? 'the watched collections' : `${ns.db}${'coll' in ns ? `.${ns.coll}` : ''}`;
  return replicatorError(
    'REPL_MONGO_STREAM_INVALIDATED',
    `The MongoDB change stream ended: ${change.operationType} of ${where}`,
    { details: { operation: change.operationType, namespace: where } },
  );
}
