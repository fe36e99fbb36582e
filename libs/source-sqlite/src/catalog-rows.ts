/**
 * Typed access to catalog rows (PRAGMA functions, sqlite_schema): better-sqlite3 returns
 * `unknown`, so each field is checked where it is read instead of asserted.
 */
import type Database from 'better-sqlite3';

/** One catalog row, by column name. */
export type CatalogRow = Readonly<Record<string, unknown>>;

/** Runs a catalog query and returns its rows as objects. */
export function catalogRows(
  db: Database.Database,
  sql: string,
  params: readonly unknown[] = [],
): CatalogRow[] {
  return db
    .prepare(sql)
    .all(...params)
    .filter((row): row is CatalogRow => typeof row === 'object' && row !== null);
}

/** A text field; `''` when NULL (a column without a declared type has type `''`). */
export function textField(row: CatalogRow, name: string): string {
  const value = row[name];
  return typeof value === 'string' ? value : '';
}

/** An integer field as a number (catalog integers are small). */
export function intField(row: CatalogRow, name: string): number {
  const value = row[name];
  if (typeof value === 'bigint' || typeof value === 'number') return Number(value);
  return 0;
}
