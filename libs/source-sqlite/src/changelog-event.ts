/**
 * One changelog row as a change event: `c` with the new row, `u` with the old key as `before`
 * (so a key change becomes a delete of the old key downstream) and the new row, `d` with the old
 * key. Values go through `encodeSqliteValue`, exactly as snapshot values do.
 */
import {
  replicatorError,
  type ChangeEvent,
  type ChangeRow,
  type JsonValue,
} from '@database-replicator/core';
import type { ChangelogEntry } from './changelog-reader.js';
import { MARKER_OP } from './constants.js';
import type { SqliteColumn, SqliteTableInfo } from './introspect.js';
import { sqlitePosition } from './position.js';
import { encodeSqliteValue, type SqliteValue } from './sqlite-wire-value.js';

/** Where events say they come from. */
export type EventOrigin = Readonly<{ name: string; database: string; schema: string }>;

/**
 * The event of `entry`; `undefined` for the install marker and for tables the source does not
 * replicate (their triggers may remain from an earlier install with another selection).
 *
 * @throws ReplicatorError `REPL_SQLITE_CHANGELOG_INVALID` for a row the triggers cannot have
 *   written, `REPL_SQLITE_SCHEMA_CHANGED` when it lacks a replicated column,
 *   `REPL_SQLITE_VALUE_INVALID` as the snapshot does.
 */
export function changelogEvent(
  entry: ChangelogEntry,
  table: SqliteTableInfo | undefined,
  origin: EventOrigin,
  nowMs: number,
): ChangeEvent | undefined {
  if (entry.op === MARKER_OP || table === undefined) return undefined;
  const where = `seq ${entry.seq}`;
  const source = {
    connector: 'sqlite',
    name: origin.name,
    db: origin.database,
    schema: origin.schema,
    table: table.name,
    snapshot: 'false',
    position: sqlitePosition(entry.seq),
    ts_ms: entry.at,
  } as const;
  switch (entry.op) {
    case 'c':
      return {
        op: 'c',
        before: null,
        after: rowOf(entry.row, table, where),
        source,
        ts_ms: nowMs,
      };
    case 'u':
      return {
        op: 'u',
        before: keyOf(entry.key, table, where),
        after: rowOf(entry.row, table, where),
        source,
        ts_ms: nowMs,
      };
    case 'd':
      return {
        op: 'd',
        before: keyOf(entry.key, table, where),
        after: null,
        source,
        ts_ms: nowMs,
      };
    default:
      throw invalid(where, `unknown op "${entry.op}"`);
  }
}

type StoredValues = ReadonlyMap<string, SqliteValue> | null;

function rowOf(values: StoredValues, table: SqliteTableInfo, where: string): ChangeRow {
  return encodeColumns(values, table.columns, table, where);
}

function keyOf(values: StoredValues, table: SqliteTableInfo, where: string): ChangeRow {
  const keys = table.columns.filter((column) => table.keyColumns.includes(column.name));
  return encodeColumns(values, keys, table, where);
}

/** By name, so a column captured under another position or name is noticed, never shifted. */
function encodeColumns(
  values: StoredValues,
  columns: readonly SqliteColumn[],
  table: SqliteTableInfo,
  where: string,
): ChangeRow {
  if (values === null) throw invalid(where, 'a row image is missing');
  const row: Record<string, JsonValue> = {};
  for (const column of columns) {
    const value = values.get(column.name);
    if (value === undefined) {
      throw replicatorError(
        'REPL_SQLITE_SCHEMA_CHANGED',
        `Changelog row ${where} of SQLite table "${table.name}" lacks column "${column.name}": the table changed (a column added or renamed) after change capture was installed`,
        { details: { table: table.name, column: column.name } },
      );
    }
    row[column.name] = encodeSqliteValue(value, column);
  }
  return row;
}

function invalid(where: string, reason: string): Error {
  return replicatorError(
    'REPL_SQLITE_CHANGELOG_INVALID',
    `Changelog row ${where} cannot be read: ${reason}`,
    {
      details: { changelogRow: where },
    },
  );
}
