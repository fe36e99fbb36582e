/**
 * The changelog's tables. `_dr_changelog(seq, tbl, op, layout, at, k0…kM, c0…cN)` holds one row
 * per change with its values stored natively: SQLite keeps any value's storage class and exact
 * value (64-bit INTEGER, bit-exact REAL, BLOB, TEXT, NULL) in a column without a declared type,
 * so nothing is encoded in the writer's transaction. `k<i>` is the i-th key column of the OLD row
 * (updates, deletes), `c<i>` the i-th column of the NEW row (inserts, updates); columns are added
 * with ALTER TABLE when a wider table is captured. `_dr_capture_columns(layout, tbl, kind,
 * position, name)` says which table column each position held when the triggers writing
 * `layout` were created, so a later ALTER TABLE on a source table can never shift values into
 * another column unnoticed.
 */
import type Database from 'better-sqlite3';
import { quoteIdent, replicatorError } from '@database-replicator/core';
import { catalogRows, intField, textField } from './catalog-rows.js';
import { CAPTURE_COLUMNS_TABLE, CHANGELOG_TABLE, MARKER_OP } from './constants.js';
import type { SqliteTableInfo } from './introspect.js';

const CHANGELOG = quoteIdent(CHANGELOG_TABLE);
const COLUMNS = quoteIdent(CAPTURE_COLUMNS_TABLE);
const VALUE_COLUMN = /^([kc])(\d+)$/;

/** How many key (`k<i>`) and row (`c<i>`) value columns the changelog has. */
export type ChangelogWidth = Readonly<{ keys: number; columns: number }>;

/** The column names a layout's positions stand for. */
export type ChangelogLayout = Readonly<{
  tbl: string;
  keys: readonly string[];
  columns: readonly string[];
}>;

/** `k<i>` or `c<i>`. */
export function valueColumn(kind: 'k' | 'c', position: number): string {
  return `${kind}${position}`;
}

/** Creates both tables and the marker row whose seq (install time in µs) starts the sequence. */
export function createChangelog(db: Database.Database, nowMs: number): void {
  db.exec(
    `CREATE TABLE ${CHANGELOG} (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, layout INTEGER, at INTEGER NOT NULL)`,
  );
  db.exec(
    `CREATE TABLE ${COLUMNS} (layout INTEGER NOT NULL, tbl TEXT NOT NULL, kind TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (layout, kind, position))`,
  );
  db.prepare(`INSERT INTO ${CHANGELOG} (seq, tbl, op, layout, at) VALUES (?, '', ?, NULL, ?)`).run(
    BigInt(nowMs) * 1000n,
    MARKER_OP,
    BigInt(nowMs),
  );
}

/** Drops both tables (pending changes are lost). */
export function dropChangelog(db: Database.Database): void {
  db.exec(`DROP TABLE IF EXISTS ${CHANGELOG}`);
  db.exec(`DROP TABLE IF EXISTS ${COLUMNS}`);
}

/**
 * The changelog's value columns.
 *
 * @throws ReplicatorError `REPL_SQLITE_CHANGELOG_INVALID` for a changelog of another format (an
 *   older replicator's JSON changelog), which the triggers and the stream cannot use.
 */
export function changelogWidth(db: Database.Database): ChangelogWidth {
  const names = catalogRows(db, 'SELECT name FROM pragma_table_info(?)', [CHANGELOG_TABLE]).map(
    (row) => textField(row, 'name'),
  );
  const layouts = catalogRows(db, 'SELECT 1 FROM pragma_table_info(?)', [CAPTURE_COLUMNS_TABLE]);
  if (!names.includes('layout') || layouts.length === 0) {
    throw replicatorError(
      'REPL_SQLITE_CHANGELOG_INVALID',
      `The changelog of SQLite source ${db.name} has an older format (JSON values): remove capture, install it again and run the job from the start`,
      { details: { file: db.name } },
    );
  }
  const count = (kind: 'k' | 'c'): number =>
    names.filter((name) => VALUE_COLUMN.exec(name)?.[1] === kind).length;
  return Object.freeze({ keys: count('k'), columns: count('c') });
}

/** Adds the value columns `table` needs and the changelog lacks. */
export function widenChangelog(db: Database.Database, table: SqliteTableInfo): void {
  const width = changelogWidth(db);
  for (let i = width.keys; i < table.keyColumns.length; i += 1) {
    db.exec(`ALTER TABLE ${CHANGELOG} ADD COLUMN ${valueColumn('k', i)}`);
  }
  for (let i = width.columns; i < table.columns.length; i += 1) {
    db.exec(`ALTER TABLE ${CHANGELOG} ADD COLUMN ${valueColumn('c', i)}`);
  }
}

/**
 * Records `table`'s key and columns, in the order its new triggers write them, under a new
 * layout number, and forgets its earlier layouts no changelog row refers to any more.
 * @returns The layout number the triggers write.
 */
export function recordLayout(db: Database.Database, table: SqliteTableInfo): number {
  db.prepare(
    `DELETE FROM ${COLUMNS} WHERE tbl = ? AND layout NOT IN (SELECT layout FROM ${CHANGELOG} WHERE layout IS NOT NULL)`,
  ).run(table.name);
  const layout = Number(
    db.prepare(`SELECT coalesce(max(layout), 0) + 1 FROM ${COLUMNS}`).pluck().get(),
  );
  const insert = db.prepare(
    `INSERT INTO ${COLUMNS} (layout, tbl, kind, position, name) VALUES (?, ?, ?, ?, ?)`,
  );
  table.keyColumns.forEach((name, i) => insert.run(layout, table.name, 'k', i, name));
  table.columns.forEach((column, i) => insert.run(layout, table.name, 'c', i, column.name));
  return layout;
}

/** Every recorded layout, by number. */
export function readLayouts(db: Database.Database): Map<number, ChangelogLayout> {
  const layouts = new Map<number, { tbl: string; keys: string[]; columns: string[] }>();
  const rows = catalogRows(
    db,
    `SELECT layout, tbl, kind, name FROM ${COLUMNS} ORDER BY layout, kind, position`,
  );
  for (const row of rows) {
    const number = intField(row, 'layout');
    let layout = layouts.get(number);
    if (layout === undefined) {
      layout = { tbl: textField(row, 'tbl'), keys: [], columns: [] };
      layouts.set(number, layout);
    }
    (textField(row, 'kind') === 'k' ? layout.keys : layout.columns).push(textField(row, 'name'));
  }
  return layouts;
}
