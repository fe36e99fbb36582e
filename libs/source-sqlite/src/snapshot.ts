/**
 * The snapshot of one table: keyset pagination on the key (or rowid), one query per page, each
 * in its own short read transaction, so a concurrent writer is held up for one page at most
 * (not at all in WAL mode) and memory holds one page. Rows changed while the scan runs are
 * corrected by the change stream, which starts from a position taken before the first page.
 */
import type Database from 'better-sqlite3';
import {
  quoteIdent,
  type ChangeKey,
  type ChangeRow,
  type JsonValue,
} from '@database-replicator/core';
import type { SnapshotReadOptions } from '@database-replicator/pipeline';
import type { SqliteColumn, SqliteTableInfo } from './introspect.js';
import { sqliteCall } from './open-sqlite.js';
import { keyBindValues } from './snapshot-key.js';
import { encodeSqliteValue, isSqliteValue, type SqliteValue } from './sqlite-wire-value.js';

/** Called with each page's stored rows before the page is handed out (refresh mode records them). */
export type PageRecorder = (rows: readonly (readonly unknown[])[]) => Promise<void>;

/**
 * Reads `table` after `after` (from the start when `null`, or when the stored key cannot
 * position the scan; see snapshot-key.ts), in pages of at most `options.pageRows` rows.
 *
 * @throws ReplicatorError `REPL_SQLITE_VALUE_INVALID` for a value the target column cannot
 *   hold, `REPL_SQLITE_QUERY_FAILED` when a page query fails.
 */
export async function* readSqliteSnapshot(
  db: Database.Database,
  file: string,
  table: SqliteTableInfo,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
  record?: PageRecorder,
): AsyncGenerator<readonly ChangeRow[]> {
  for (const rows of readSqlitePages(db, file, table, after, options)) {
    const page = rows.map((row) => encodeRow(row, table));
    if (record !== undefined) await record(rows);
    yield page;
  }
}

/**
 * The stored rows of each page (values in `table.columns` order), as the JSON and the COPY
 * snapshot share them; the scan resumes after the last row of each page.
 *
 * @throws ReplicatorError `REPL_SQLITE_QUERY_FAILED` when a page query fails.
 */
export function* readSqlitePages(
  db: Database.Database,
  file: string,
  table: SqliteTableInfo,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
): Generator<readonly (readonly unknown[])[]> {
  const keyColumns = table.keyColumns.map((name) => columnNamed(table, name));
  const keyIndexes = keyColumns.map((column) => table.columns.indexOf(column));
  const { first, next } = pageStatements(db, table, keyColumns);
  let lastKey = after === null ? undefined : keyBindValues(after, keyColumns);
  for (;;) {
    if (options.signal?.aborted === true) return;
    const bind = lastKey ?? [];
    const rows = sqliteCall(file, `reading a snapshot page of table "${table.name}"`, () =>
      (lastKey === undefined ? first : next).all(...bind, options.pageRows),
    );
    const page = rows.filter((row): row is unknown[] => Array.isArray(row));
    if (page.length > 0) yield page;
    if (page.length < options.pageRows) return;
    const last = page[page.length - 1] ?? [];
    lastKey = keyIndexes.map((index) => storedValue(last[index], table));
  }
}

type PageStatements = Readonly<{ first: Database.Statement; next: Database.Statement }>;

// The pipeline reads one page per call: preparing once per table and connection, not per page.
const STATEMENTS = new WeakMap<Database.Database, WeakMap<SqliteTableInfo, PageStatements>>();

function pageStatements(
  db: Database.Database,
  table: SqliteTableInfo,
  keyColumns: readonly SqliteColumn[],
): PageStatements {
  let byTable = STATEMENTS.get(db);
  if (byTable === undefined) {
    byTable = new WeakMap();
    STATEMENTS.set(db, byTable);
  }
  let statements = byTable.get(table);
  if (statements === undefined) {
    statements = prepareStatements(db, table, keyColumns);
    byTable.set(table, statements);
  }
  return statements;
}

function prepareStatements(
  db: Database.Database,
  table: SqliteTableInfo,
  keyColumns: readonly SqliteColumn[],
): PageStatements {
  const select = table.columns.map((column) => column.source).join(', ');
  const keys = keyColumns.map((column) => column.source);
  const from = `SELECT ${select} FROM ${quoteIdent(table.name)}`;
  const order = `ORDER BY ${keys.join(', ')} LIMIT ?`;
  const after =
    keys.length === 1
      ? `${keys[0] ?? ''} > ?`
      : `(${keys.join(', ')}) > (${keys.map(() => '?').join(', ')})`;
  return Object.freeze({
    first: db.prepare(`${from} ${order}`).raw(true),
    next: db.prepare(`${from} WHERE ${after} ${order}`).raw(true),
  });
}

/** One row of a page (better-sqlite3 `raw` rows are arrays in select order). */
export function encodeRow(values: readonly unknown[], table: SqliteTableInfo): ChangeRow {
  const row: Record<string, JsonValue> = {};
  const { columns } = table;
  for (let index = 0; index < columns.length; index += 1) {
    const column = columns[index];
    if (column !== undefined) {
      row[column.name] = encodeSqliteValue(storedValue(values[index], table), column);
    }
  }
  return row;
}

/** A stored value, checked: better-sqlite3 returns nothing else. */
export function storedValue(value: unknown, table: SqliteTableInfo): SqliteValue {
  if (isSqliteValue(value)) return value;
  throw new TypeError(`a value read from "${table.name}" is not a SQLite value`);
}

function columnNamed(table: SqliteTableInfo, name: string): SqliteColumn {
  const column = table.columns.find((candidate) => candidate.name === name);
  if (column === undefined)
    throw new TypeError(`key column "${name}" of "${table.name}" is unknown`);
  return column;
}
