/**
 * The column changes applied to a table (`_replicator.column_changes`), and the translation of
 * stale rows through them. A topic's partitions each carry a copy of a schema change and the
 * first copy applied changes the table; a row of a partition that has not reached its copy yet
 * still has the old shape. Such a row is older than the change (by source position), so the
 * change applies to it as it did to the source's rows: an added column gets the default the
 * existing rows got, a dropped column is left out, a renamed one is renamed.
 */
import {
  comparePositions,
  parseExactJson,
  parseSourcePosition,
  quoteTable,
  type ChangeRow,
  type JsonValue,
  type SchemaChange,
  type SourcePosition,
  type TableId,
} from '@database-replicator/core';
import type pg from 'pg';
import type { BatchEvent } from './change-batch.js';
import type { UpsertGroup } from './plan-change-batch.js';
import { COLUMN_CHANGES_TABLE } from './replicator-schema.js';
import type { TargetTableShape } from './target-table-shape.js';

/** One applied change of a column. */
export type ColumnChange =
  | Readonly<{ kind: 'add_column'; position: SourcePosition; column: string; value: JsonValue }>
  | Readonly<{ kind: 'drop_column'; position: SourcePosition; column: string }>
  | Readonly<{
      kind: 'rename_column';
      position: SourcePosition;
      column: string;
      newName: string;
    }>;

/** Records a column change applied at `position`; other changes are not recorded. */
export async function recordColumnChange(
  client: pg.ClientBase,
  table: TableId,
  change: SchemaChange,
  position: SourcePosition,
): Promise<void> {
  if (change.kind === 'create_table' || change.kind === 'stop_table') return;
  const column = change.kind === 'add_column' ? change.column.name : change.column;
  await client.query(
    `INSERT INTO ${quoteTable(COLUMN_CHANGES_TABLE)}
       (schema_name, table_name, source_position, kind, column_name, new_name, default_value)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [
      table.schema,
      table.table,
      JSON.stringify(position),
      change.kind,
      column,
      change.kind === 'rename_column' ? change.new_name : null,
      change.kind === 'add_column' ? JSON.stringify(change.default) : null,
    ],
  );
}

type HistoryRow = {
  kind: string;
  position: unknown;
  column: string;
  newName: string | null;
  value: string | null;
};

/** The column changes applied to `table`, in source order. */
export async function readColumnHistory(
  client: pg.ClientBase,
  table: TableId,
): Promise<ColumnChange[]> {
  const { rows } = await client.query<HistoryRow>(
    `SELECT kind, source_position AS position, column_name AS column, new_name AS "newName",
            default_value::text AS value
       FROM ${quoteTable(COLUMN_CHANGES_TABLE)} WHERE schema_name = $1 AND table_name = $2`,
    [table.schema, table.table],
  );
  const changes = rows.map(historyEntry);
  return changes.sort((a, b) => (isAfter(a.position, b.position) ? 1 : -1));
}

function historyEntry(row: HistoryRow): ColumnChange {
  const position = parseSourcePosition(row.position);
  if (row.kind === 'rename_column' && row.newName !== null) {
    return { kind: 'rename_column', position, column: row.column, newName: row.newName };
  }
  if (row.kind === 'add_column') {
    // As text, parsed exactly: a 64-bit integer default stays exact.
    const value = row.value === null ? null : parseExactJson(row.value);
    return { kind: 'add_column', position, column: row.column, value };
  }
  return { kind: 'drop_column', position, column: row.column };
}

/**
 * True if a full row image (not one missing unchanged TOAST columns) lacks a writable column of
 * `shape` or names one it does not have: the shape a change gave the table, not the row's.
 */
export function hasStaleShape(groups: readonly UpsertGroup[], shape: TargetTableShape): boolean {
  const writable = [...shape.columns.values()].filter((column) => !column.generated).length;
  return groups.some(
    (group) =>
      group.columns.some((name) => !shape.columns.has(name)) ||
      (!group.partial && group.columns.length < writable),
  );
}

/** `events` with the stale columns of their row images translated through `history`. */
export function translateStaleRows(
  events: readonly BatchEvent[],
  history: readonly ColumnChange[],
  shape: TargetTableShape,
): BatchEvent[] {
  return events.map((item) => {
    const { event } = item;
    const later = history.filter((change) => isAfter(change.position, event.source.position));
    if (later.length === 0) return item;
    const before = translate(event.before, later, shape);
    const after = translate(event.after, later, shape);
    if (before === event.before && after === event.after) return item;
    return { ...item, event: { ...event, before, after } };
  });
}

function translate(
  row: ChangeRow | null,
  later: readonly ColumnChange[],
  shape: TargetTableShape,
): ChangeRow | null {
  if (row === null) return row;
  const translated = new Map<string, JsonValue>(Object.entries(row));
  for (const change of later) {
    const value = translated.get(change.column);
    if (change.kind === 'add_column') {
      if (value === undefined) translated.set(change.column, change.value);
      continue;
    }
    if (value === undefined) continue;
    translated.delete(change.column);
    if (change.kind === 'rename_column') translated.set(change.newName, value);
  }
  const names = [...translated.keys()];
  return names.every((name) => shape.columns.has(name)) ? Object.fromEntries(translated) : row;
}

/** `a` is after `b`; false when the two cannot be ordered. */
function isAfter(a: SourcePosition, b: SourcePosition): boolean {
  if (a.kind !== b.kind || a.kind === 'mongodb') return false;
  return comparePositions(a, b) > 0;
}
