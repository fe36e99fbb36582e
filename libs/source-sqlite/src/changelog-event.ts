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
import { parseChangelogRow } from './changelog-value.js';
import { MARKER_OP } from './constants.js';
import type { SqliteColumn, SqliteTableInfo } from './introspect.js';
import { sqlitePosition } from './position.js';
import { encodeSqliteValue } from './sqlite-wire-value.js';

/** A changelog row as read. */
export type ChangelogEntry = Readonly<{
  seq: bigint;
  tbl: string;
  op: string;
  keyJson: string | null;
  rowJson: string | null;
  /** When the trigger ran, Unix epoch ms. */
  at: number;
}>;

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
        after: rowOf(entry.rowJson, table, where),
        source,
        ts_ms: nowMs,
      };
    case 'u':
      return {
        op: 'u',
        before: keyOf(entry.keyJson, table, where),
        after: rowOf(entry.rowJson, table, where),
        source,
        ts_ms: nowMs,
      };
    case 'd':
      return {
        op: 'd',
        before: keyOf(entry.keyJson, table, where),
        after: null,
        source,
        ts_ms: nowMs,
      };
    default:
      throw invalid(where, `unknown op "${entry.op}"`);
  }
}

function rowOf(text: string | null, table: SqliteTableInfo, where: string): ChangeRow {
  return encodeColumns(text, table.columns, table, where);
}

function keyOf(text: string | null, table: SqliteTableInfo, where: string): ChangeRow {
  const keys = table.columns.filter((column) => table.keyColumns.includes(column.name));
  return encodeColumns(text, keys, table, where);
}

function encodeColumns(
  text: string | null,
  columns: readonly SqliteColumn[],
  table: SqliteTableInfo,
  where: string,
): ChangeRow {
  if (text === null) throw invalid(where, 'a row image is missing');
  const values = parseChangelogRow(text, where);
  const row: Record<string, JsonValue> = {};
  for (const column of columns) {
    const value = values.get(column.name);
    if (value === undefined) {
      throw replicatorError(
        'REPL_SQLITE_SCHEMA_CHANGED',
        `Changelog row ${where} of SQLite table "${table.name}" lacks column "${column.name}": the table changed after change capture was installed`,
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
