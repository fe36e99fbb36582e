/**
 * Refresh mode, for sources without a change stream (MongoDB without replica set, SQLite without
 * write access): every `intervalMs` each table is read in full and compared, by key and content
 * hash, with what the target may hold (refresh-state-store.ts); differences become ordinary
 * events: `c` for a new key, `u` for changed content, `d` for a key no longer there. A cycle with
 * changes ends with a step positioned at its number; a cycle without changes yields a heartbeat
 * at the current position. Deletes are found only here, at refresh time.
 *
 * States: comparing (yield a step per page with changes, `resumeFrom: null`) → deletes (same) →
 * cycle end (state file written, position step) → waiting `intervalMs` → comparing; any state →
 * (signal aborted) done. Memory: one key → hash map per table (about 100 bytes a row) plus one
 * page.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeEvent, ChangeRow, SourcePosition } from '@database-replicator/core';
import type { SourceTransaction } from '../extractor/change-source.js';
import type { RefreshState, RefreshStateStore } from './refresh-state-store.js';

/** A row as a refresh scan reads it: its key text, its wire row and its content hash. */
export type RefreshRow = Readonly<{ id: string; row: ChangeRow; hash: string }>;

/** One table of a refresh run, as its source reads and names it. */
export type RefreshTable = Readonly<{
  /** The state's table key (`tableKey(table.id)`). */
  key: string;
  /** Every row of the table, in pages (the page size bounds the events of one step). */
  scan(signal: AbortSignal): AsyncIterable<readonly RefreshRow[]>;
  /** The event of `op` for `row` (for `d`: `deletedRow(id)`), positioned at refresh cycle `cycle`. */
  event(op: 'c' | 'u' | 'd', row: ChangeRow, cycle: bigint, nowMs: number): ChangeEvent;
  /** The key row of a deleted key text. */
  deletedRow(id: string): ChangeRow;
}>;

/** What a refresh run reads and how often. */
export type RefreshContext = Readonly<{
  tables: readonly RefreshTable[];
  store: RefreshStateStore;
  intervalMs: number;
  /** Delete events per step. */
  maxBatchEvents: number;
  /** The source's position of refresh cycle `cycle`. */
  position(cycle: bigint): SourcePosition;
}>;

/** One table's new state and its pending events, while a cycle runs. */
type Comparison = {
  readonly table: RefreshTable;
  readonly previous: Map<string, string | string[]>;
  readonly next: Map<string, string>;
  readonly cycle: bigint;
  readonly nowMs: number;
  changed: boolean;
};

/**
 * Compares the tables with the state at refresh cycle `from` every `intervalMs` until `signal`
 * aborts, yielding their differences as events.
 *
 * @throws the store's missing-state error, and what the tables' scans throw.
 */
export async function* refreshChanges(
  context: RefreshContext,
  from: bigint,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  const loaded = await context.store.load(
    from,
    context.tables.map((table) => table.key),
  );
  let state: RefreshState = loaded.state;
  let position = from;
  let cycle = loaded.nextCycle;
  while (!signal.aborted) {
    const next: RefreshState = new Map();
    let changed = false;
    for (const table of context.tables) {
      const comparison: Comparison = {
        table,
        previous: state.get(table.key) ?? new Map(),
        next: new Map(),
        cycle,
        nowMs: Date.now(),
        changed: false,
      };
      for await (const rows of table.scan(signal)) {
        if (signal.aborted) return;
        yield* comparePage(context, rows, comparison);
      }
      if (signal.aborted) return;
      yield* deletes(context, comparison);
      changed ||= comparison.changed;
      next.set(table.key, comparison.next);
    }
    state = next;
    if (changed) {
      await context.store.writeState(cycle, state);
      position = cycle;
      cycle += 1n;
    }
    yield Object.freeze({ events: Object.freeze([]), resumeFrom: context.position(position) });
    await pause(context.intervalMs, signal);
  }
}

async function* comparePage(
  context: RefreshContext,
  rows: readonly RefreshRow[],
  comparison: Comparison,
): AsyncGenerator<SourceTransaction> {
  const events: ChangeEvent[] = [];
  const written: [string, string, string][] = [];
  const { table, cycle, nowMs } = comparison;
  for (const { id, row, hash } of rows) {
    const known = comparison.previous.get(id);
    comparison.previous.delete(id);
    comparison.next.set(id, hash);
    if (known === hash) continue;
    events.push(table.event(known === undefined ? 'c' : 'u', row, cycle, nowMs));
    written.push([table.key, id, hash]);
  }
  if (events.length === 0) return;
  comparison.changed = true;
  // Write-ahead: once any of these events may reach the target, a restart must know them.
  await context.store.appendDelta(cycle, written);
  yield Object.freeze({ events: Object.freeze(events), resumeFrom: null });
}

/** Whatever the scan did not see is gone from the source. */
async function* deletes(
  context: RefreshContext,
  comparison: Comparison,
): AsyncGenerator<SourceTransaction> {
  const { table, cycle, nowMs } = comparison;
  let events: ChangeEvent[] = [];
  for (const id of comparison.previous.keys()) {
    events.push(table.event('d', table.deletedRow(id), cycle, nowMs));
    if (events.length >= context.maxBatchEvents) {
      yield Object.freeze({ events: Object.freeze(events), resumeFrom: null });
      events = [];
    }
  }
  if (comparison.previous.size > 0) comparison.changed = true;
  if (events.length > 0) yield Object.freeze({ events: Object.freeze(events), resumeFrom: null });
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    // An abort ends the wait early; the loop then sees the aborted signal and stops.
    if (!signal.aborted) throw error;
  }
}
