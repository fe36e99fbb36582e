/**
 * The key of a SQLite table as cross-engine verify uses it. Key ranges are cut on the source and
 * evaluated on both sides, so the key must sort alike in SQLite and on the target: 64-bit integer
 * keys (declared INTEGER keys and the rowid) sort numerically on both; text keys sort bytewise
 * (SQLite's BINARY collation over UTF-8, PostgreSQL's `COLLATE "C"`) when every stored key is
 * TEXT; ISO dates (`YYYY-MM-DD` text) sort as dates. Other keys (booleans, timestamps in three
 * storage forms, REAL and NUMERIC values, text columns holding numbers) sort differently, and
 * their tables are compared as a whole instead (docs/verify.md).
 */
import type Database from 'better-sqlite3';
import { quoteIdent } from '@database-replicator/core';
import { catalogRows, intField, textField } from '../catalog-rows.js';
import type { SqliteColumn, SqliteTableInfo } from '../introspect.js';
import type { SqliteValue } from '../sqlite-wire-value.js';

/** One key column as the verify queries compare and order it. */
export type SqliteVerifyKeyColumn = Readonly<{
  column: SqliteColumn;
  /** SQL operand: the column (or rowid alias), with `COLLATE BINARY` where it declares another collation. */
  operand: string;
  /** A text key, ordered bytewise on the target too. */
  text: boolean;
}>;

/** The key of a table, or why the table cannot be compared range by range. */
export type SqliteVerifyKey =
  | Readonly<{ kind: 'ranges'; columns: readonly SqliteVerifyKeyColumn[] }>
  | Readonly<{ kind: 'whole'; reason: string }>;

const INTEGER_TEXT = /^-?\d+$/;

/** The declared collation of each primary-key column (from the key's index), by name. */
function keyCollations(db: Database.Database, table: string): Map<string, string> {
  const collations = new Map<string, string>();
  const index = catalogRows(db, 'SELECT name, origin FROM pragma_index_list(?)', [table]).find(
    (row) => textField(row, 'origin') === 'pk',
  );
  if (index === undefined) return collations;
  const parts = catalogRows(db, 'SELECT name, coll, key FROM pragma_index_xinfo(?)', [
    textField(index, 'name'),
  ]);
  for (const part of parts) {
    if (intField(part, 'key') === 1)
      collations.set(textField(part, 'name'), textField(part, 'coll'));
  }
  return collations;
}

/** True if every stored value of `column` is TEXT (one scan; stops at the first other). */
function allText(db: Database.Database, table: SqliteTableInfo, column: SqliteColumn): boolean {
  const other = db
    .prepare(
      `SELECT 1 FROM ${quoteIdent(table.name)} WHERE typeof(${column.source}) <> 'text' LIMIT 1`,
    )
    .pluck()
    .get();
  return other === undefined;
}

/** Decides how `table` is compared; reads the catalog and, for untyped text keys, the key column. */
export function sqliteVerifyKey(db: Database.Database, table: SqliteTableInfo): SqliteVerifyKey {
  const collations = keyCollations(db, table.name);
  const columns: SqliteVerifyKeyColumn[] = [];
  for (const name of table.keyColumns) {
    const column = table.columns.find((candidate) => candidate.name === name);
    if (column === undefined) return { kind: 'whole', reason: `key column ${name} not found` };
    const ordered =
      column.kind === 'bigint' ||
      column.kind === 'date' ||
      (column.kind === 'text' && (column.affinity === 'TEXT' || allText(db, table, column)));
    if (!ordered) {
      return {
        kind: 'whole',
        reason: `key column ${name} (${column.declaredType === '' ? 'no declared type' : column.declaredType}) does not sort alike in SQLite and PostgreSQL`,
      };
    }
    const collation = collations.get(name) ?? 'BINARY';
    const binary = column.kind === 'bigint' || collation.toUpperCase() === 'BINARY';
    columns.push(
      Object.freeze({
        column,
        operand: binary ? column.source : `${column.source} COLLATE BINARY`,
        text: column.kind === 'text',
      }),
    );
  }
  return { kind: 'ranges', columns: Object.freeze(columns) };
}

/** A key value in the text form keys travel in (PostgreSQL's `::text` of the target column). */
export function keyText(value: unknown): string {
  if (typeof value === 'bigint' || typeof value === 'string') return value.toString();
  return String(value);
}

/**
 * The SQLite value to bind for a key text of `column`: integers for integer keys, the text
 * itself otherwise. A text that is no integer (a key only a broken target could hold) binds
 * as text, which sorts after every integer in SQLite.
 */
export function keyBindValue(text: string, column: SqliteVerifyKeyColumn): SqliteValue {
  return column.column.kind === 'bigint' && INTEGER_TEXT.test(text) ? BigInt(text) : text;
}
