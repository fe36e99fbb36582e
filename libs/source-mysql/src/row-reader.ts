/**
 * Typed reads of catalog rows. mysql2 types every row as `any`; these read one field as what it
 * must be and fail loudly, naming the query and the field, when the server answers otherwise.
 */
import { replicatorError } from '@database-replicator/core';

/** A row as mysql2 returns it, read through `unknown`. */
export type CatalogRow = Readonly<Record<string, unknown>>;

/** The text in `row[key]`; Buffers (binary collations) are decoded as UTF-8. */
export function readText(row: CatalogRow, key: string, query: string): string {
  const value = readOptionalText(row, key, query);
  if (value === null) throw unexpected(key, query, 'NULL');
  return value;
}

/** The text in `row[key]`, or `null`. */
export function readOptionalText(row: CatalogRow, key: string, query: string): string | null {
  const value = row[key];
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw unexpected(key, query, typeof value);
}

/** The number in `row[key]` (BIGINT columns arrive as decimal strings). */
export function readNumber(row: CatalogRow, key: string, query: string): number {
  const value = readOptionalNumber(row, key, query);
  if (value === null) throw unexpected(key, query, 'NULL');
  return value;
}

/** The number in `row[key]`, or `null`. */
export function readOptionalNumber(row: CatalogRow, key: string, query: string): number | null {
  const value = row[key];
  if (value === null || value === undefined) return null;
  const number = typeof value === 'number' ? value : Number(readText(row, key, query));
  if (!Number.isFinite(number)) throw unexpected(key, query, JSON.stringify(value));
  return number;
}

function unexpected(key: string, query: string, got: string): Error {
  return replicatorError(
    'REPL_MYSQL_QUERY_FAILED',
    `${query} returned ${got} for ${key}; the server's catalog is not what MySQL or MariaDB provides`,
    { details: { query, field: key } },
  );
}
