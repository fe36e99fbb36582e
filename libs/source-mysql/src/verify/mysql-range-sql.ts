/**
 * The key-range condition of a MySQL/MariaDB verify query. Key values arrive as PostgreSQL text
 * (the form keys travel in) and are turned back into MySQL parameters. The condition is written
 * expanded (`k1 > ? OR (k1 = ? AND k2 > ?)`), which MariaDB turns into an index range, unlike the
 * row constructor (see keyset-query.ts). Text keys compare as bytes, as PostgreSQL's `"C"`
 * collation on the target side does, so both sides cut ranges at the same rows. Pure.
 */
import { quoteMysqlIdent } from '@database-replicator/core';
import type { MysqlWireColumn } from '../mysql-wire-value.js';
import { isTextKey, mysqlKeyValue } from './mysql-canonical-sql.js';

/** A key range as the verifier passes it: text key values, open ends as null. */
export type MysqlKeyRange = Readonly<{
  after: readonly string[] | null;
  upTo: readonly string[] | null;
}>;

/** A condition and its parameters. */
export type MysqlCondition = Readonly<{ sql: string; values: readonly unknown[] }>;

/** The key column as it is compared and ordered. */
export function keyOperand(column: MysqlWireColumn): string {
  const name = quoteMysqlIdent(column.name);
  return isTextKey(column) ? `CAST(${name} AS BINARY)` : name;
}

/** `ORDER BY` list of the key. */
export function mysqlKeyOrder(keys: readonly MysqlWireColumn[]): string {
  return keys.map(keyOperand).join(', ');
}

function bound(
  keys: readonly MysqlWireColumn[],
  key: readonly string[],
  strict: '>' | '<',
  last: '>' | '<=',
): MysqlCondition {
  const branches: string[] = [];
  const values: unknown[] = [];
  keys.forEach((column, index) => {
    const parts = keys.slice(0, index).map((prefix) => `${keyOperand(prefix)} = ?`);
    parts.push(`${keyOperand(column)} ${index === keys.length - 1 ? last : strict} ?`);
    branches.push(`(${parts.join(' AND ')})`);
    keys.slice(0, index + 1).forEach((part, i) => values.push(mysqlKeyValue(key[i] ?? '', part)));
  });
  return { sql: `(${branches.join(' OR ')})`, values };
}

/** The `WHERE` clause (or '') of `range`. */
export function mysqlRangeWhere(
  keys: readonly MysqlWireColumn[],
  range: MysqlKeyRange,
): MysqlCondition {
  const parts: MysqlCondition[] = [];
  if (range.after !== null) parts.push(bound(keys, range.after, '>', '>'));
  if (range.upTo !== null) parts.push(bound(keys, range.upTo, '<', '<='));
  if (parts.length === 0) return { sql: '', values: [] };
  return {
    sql: `WHERE ${parts.map((p) => p.sql).join(' AND ')}`,
    values: parts.flatMap((p) => p.values),
  };
}
