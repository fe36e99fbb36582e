/**
 * Rows of a SQLite table by key for `verify --repair`, read and encoded exactly as the JSON
 * snapshot reads and encodes them (`encodeRow`), so that repaired rows are written as
 * replication writes them. Keys arrive in their text form (PostgreSQL's `::text`).
 */
import type Database from 'better-sqlite3';
import { quoteIdent, type ChangeRow } from '@database-replicator/core';
import type { SqliteTableInfo } from '../introspect.js';
import { sqliteCall } from '../open-sqlite.js';
import { encodeRow } from '../snapshot.js';
import { keyBindValue, type SqliteVerifyKeyColumn } from './sqlite-verify-key.js';

// Keys per statement: SQLite allows 32766 bound parameters (3.32+); a few hundred OR branches
// keep statements small and each one's read transaction short.
const KEYS_PER_QUERY = 500;

/**
 * The rows of `keys` that exist, encoded.
 *
 * @throws ReplicatorError `REPL_SQLITE_QUERY_FAILED` when a read fails, `REPL_SQLITE_VALUE_INVALID`
 *   for a value the replication refuses.
 */
export function readSqliteRows(
  db: Database.Database,
  file: string,
  table: SqliteTableInfo,
  key: readonly SqliteVerifyKeyColumn[],
  keys: readonly (readonly string[])[],
): ChangeRow[] {
  const select = table.columns.map((column) => column.source).join(', ');
  const match = `(${key.map((column) => `${column.operand} = ?`).join(' AND ')})`;
  const rows: ChangeRow[] = [];
  for (let start = 0; start < keys.length; start += KEYS_PER_QUERY) {
    const batch = keys.slice(start, start + KEYS_PER_QUERY);
    const sql = `SELECT ${select} FROM ${quoteIdent(table.name)} WHERE ${batch.map(() => match).join(' OR ')}`;
    const values = batch.flatMap((text) =>
      key.map((column, i) => keyBindValue(text[i] ?? '', column)),
    );
    const found = sqliteCall(file, `reading rows to repair of table "${table.name}"`, () =>
      db
        .prepare(sql)
        .raw(true)
        .all(...values),
    );
    for (const row of found) {
      if (Array.isArray(row)) rows.push(encodeRow(row, table));
    }
  }
  return rows;
}
