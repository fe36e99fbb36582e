/**
 * Refresh mode, for servers without change streams: every `refreshIntervalMs` each collection is
 * read in full and compared, by `_id` and content hash, with what the target may hold
 * (refresh-state.ts); differences become ordinary events: `c` for a new `_id`, `u` for changed
 * content, `d` for an `_id` no longer there. A cycle with changes ends with a step positioned at
 * its number; a cycle without changes yields a heartbeat at the current position.
 *
 * States: comparing (yield a step per page with changes, `resumeFrom: null`) → deletes (same) →
 * cycle end (state file written, position step) → waiting `refreshIntervalMs` → comparing; any
 * state → (signal aborted) done. Memory: one `_id` → hash map per collection (about 100 bytes a
 * document) plus one page.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection, Document } from 'mongodb';
import {
  tableKey,
  type ChangeEvent,
  type ChangeRow,
  type TableId,
} from '@database-replicator/core';
import type { SourceTransaction } from '@database-replicator/pipeline';
import { ID_COLUMN } from './constants.js';
import { documentRow, type DocumentRow } from './document-row.js';
import { mongoFailure } from './mongo-call.js';
import { refreshPosition } from './position.js';
import { READ_OPTIONS } from './snapshot.js';
import type { RefreshState, RefreshStateStore } from './refresh-state.js';

/** What a refresh run reads and how often. */
export type RefreshContext = Readonly<{
  name: string;
  tables: readonly Readonly<{ id: TableId; collection: Collection }>[];
  store: RefreshStateStore;
  intervalMs: number;
  maxBatchEvents: number;
}>;

/** One collection's new state and its pending events, while a cycle runs. */
type Comparison = {
  readonly table: TableId;
  readonly previous: Map<string, string | string[]>;
  readonly next: Map<string, string>;
  readonly cycle: bigint;
  readonly nowMs: number;
  changed: boolean;
};

/**
 * Compares the collections with the state at refresh cycle `from` every `intervalMs` until
 * `signal` aborts, yielding their differences as events.
 *
 * @throws ReplicatorError `REPL_MONGO_REFRESH_STATE_MISSING`, `REPL_MONGO_QUERY_FAILED`,
 *   `REPL_MONGO_VALUE_UNSUPPORTED`.
 */
export async function* refreshMongoChanges(
  context: RefreshContext,
  from: bigint,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  const keys = context.tables.map((table) => tableKey(table.id));
  const loaded = await context.store.load(from, keys);
  let state: RefreshState = loaded.state;
  let position = from;
  let cycle = loaded.nextCycle;
  while (!signal.aborted) {
    const next: RefreshState = new Map();
    let changed = false;
    for (const table of context.tables) {
      const key = tableKey(table.id);
      const comparison: Comparison = {
        table: table.id,
        previous: state.get(key) ?? new Map(),
        next: new Map(),
        cycle,
        nowMs: Date.now(),
        changed: false,
      };
      yield* compareCollection(context, table.collection, comparison, signal);
      if (signal.aborted) return;
      changed ||= comparison.changed;
      next.set(key, comparison.next);
    }
    state = next;
    if (changed) {
      await context.store.writeState(cycle, state);
      position = cycle;
      cycle += 1n;
    }
    yield Object.freeze({ events: Object.freeze([]), resumeFrom: refreshPosition(position) });
    await pause(context.intervalMs, signal);
  }
}

async function* compareCollection(
  context: RefreshContext,
  collection: Collection,
  comparison: Comparison,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  const where = `${collection.dbName}.${collection.collectionName}`;
  const cursor = collection.find({}, READ_OPTIONS).batchSize(context.maxBatchEvents);
  try {
    let page: Document[] = [];
    for await (const document of cursor) {
      if (signal.aborted) return;
      page.push(document);
      if (page.length >= context.maxBatchEvents) {
        yield* comparePage(
          context,
          page.map((item) => documentRow(item, where)),
          comparison,
        );
        page = [];
      }
    }
    yield* comparePage(
      context,
      page.map((item) => documentRow(item, where)),
      comparison,
    );
  } catch (error) {
    throw mongoFailure(`Refreshing ${where}`, error);
  } finally {
    await cursor.close();
  }
  yield* deletes(context, comparison);
}

async function* comparePage(
  context: RefreshContext,
  rows: readonly DocumentRow[],
  comparison: Comparison,
): AsyncGenerator<SourceTransaction> {
  const events: ChangeEvent[] = [];
  const written: [string, string, string][] = [];
  for (const { id, row, hash } of rows) {
    const known = comparison.previous.get(id);
    comparison.previous.delete(id);
    comparison.next.set(id, hash);
    if (known === hash) continue;
    events.push(refreshEvent(context.name, comparison, known === undefined ? 'c' : 'u', row));
    written.push([tableKey(comparison.table), id, hash]);
  }
  if (events.length === 0) return;
  comparison.changed = true;
  // Write-ahead: once any of these events may reach the target, a restart must know them.
  await context.store.appendDelta(comparison.cycle, written);
  yield Object.freeze({ events: Object.freeze(events), resumeFrom: null });
}

/** Whatever the scan did not see is gone from the source. */
async function* deletes(
  context: RefreshContext,
  comparison: Comparison,
): AsyncGenerator<SourceTransaction> {
  let events: ChangeEvent[] = [];
  for (const id of comparison.previous.keys()) {
    events.push(refreshEvent(context.name, comparison, 'd', { [ID_COLUMN]: id }));
    if (events.length >= context.maxBatchEvents) {
      yield Object.freeze({ events: Object.freeze(events), resumeFrom: null });
      events = [];
    }
  }
  if (comparison.previous.size > 0) comparison.changed = true;
  if (events.length > 0) yield Object.freeze({ events: Object.freeze(events), resumeFrom: null });
}

/** A refresh event of `comparison`'s collection, positioned at its cycle. */
export function refreshEvent(
  name: string,
  comparison: Pick<Comparison, 'table' | 'cycle' | 'nowMs'>,
  op: 'c' | 'u' | 'd',
  row: ChangeRow,
): ChangeEvent {
  const source = {
    connector: 'mongodb',
    name,
    db: comparison.table.schema,
    schema: null,
    table: comparison.table.table,
    snapshot: 'false',
    position: refreshPosition(comparison.cycle),
    ts_ms: comparison.nowMs,
  } as const;
  return op === 'd'
    ? { op, before: row, after: null, source, ts_ms: comparison.nowMs }
    : { op, before: null, after: row, source, ts_ms: comparison.nowMs };
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    // An abort ends the wait early; the loop then sees the aborted signal and stops.
    if (!signal.aborted) throw error;
  }
}
