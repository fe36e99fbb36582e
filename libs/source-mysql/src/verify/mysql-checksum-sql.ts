/**
 * The statements of one MySQL/MariaDB table's verify side (mysql-checksummer.ts), per key range:
 * count and digests, the rows for Node, a key at an offset, and single-row hashes. Key values
 * are the condition's parameters (mysql-range-sql.ts); identifiers are quoted here. Pure.
 *
 * GROUP_CONCAT orders its rows by the key (a tree insert per row), unless the table is scanned
 * in key order anyway (range-sizing.ts `scanOrdered`): it then reads `FORCE INDEX (PRIMARY)` and
 * concatenates in scan order. Should that order ever differ, the digests differ and bisection
 * ends in the row hashes, which are ordered explicitly: slower, never wrong.
 */
import { quoteMysqlIdent, type TableId } from '@database-replicator/core';
import type { MysqlWireColumn } from '../mysql-wire-value.js';
import { mysqlKeyText } from './mysql-canonical-sql.js';
import { mysqlKeyOrder, type MysqlCondition } from './mysql-range-sql.js';
import { mysqlRowLayout, type MysqlRowLayout } from './mysql-row-text.js';

/** The statements of a table; each takes the range's condition (`WHERE …` or ''). */
export type MysqlChecksumSql = Readonly<{
  layout: MysqlRowLayout;
  /** `COUNT(*)`, the MD5 of the SQL parts, and (with JSON) the JSON parts joined by U+001E. */
  range(condition: MysqlCondition): string;
  /** Per row in key order: the key texts when `withKey`, the SQL part, the raw JSON cells. */
  rows(condition: MysqlCondition, withKey: boolean): string;
  /** The key texts of the row at offset `?` (the last parameter). */
  keyAt(condition: MysqlCondition): string;
  /** Per row in key order: the key texts and the row hash (no JSON columns only). */
  rowHashes(condition: MysqlCondition): string;
}>;

/** The statements of `table`. */
export function mysqlChecksumSql(
  table: TableId,
  columns: readonly MysqlWireColumn[],
  keyColumns: readonly MysqlWireColumn[],
  scanOrdered: boolean,
  notNull: ReadonlySet<string> = new Set(),
): MysqlChecksumSql {
  const from = `${quoteMysqlIdent(table.schema)}.${quoteMysqlIdent(table.table)}`;
  const layout = mysqlRowLayout(columns, notNull);
  const keyList = keyColumns.map(mysqlKeyText).join(', ');
  const order = mysqlKeyOrder(keyColumns);
  const concatOrder = scanOrdered ? '' : ` ORDER BY ${order}`;
  const digests = [
    `MD5(GROUP_CONCAT(${layout.sqlPart}${concatOrder} SEPARATOR 0x1e))`,
    ...(layout.jsonPart === null
      ? []
      : [`GROUP_CONCAT(${layout.jsonPart}${concatOrder} SEPARATOR 0x1e)`]),
  ].join(', ');
  const rangeFrom = scanOrdered ? `${from} FORCE INDEX (PRIMARY)` : from;
  // The SQL part is the whole row text without JSON columns (with them, Node completes it).
  const rowHash = `CAST(CONV(SUBSTRING(MD5(${layout.sqlPart}), 1, 15), 16, 10) AS UNSIGNED)`;
  return Object.freeze({
    layout,
    range: (c) => `SELECT COUNT(*), ${digests} FROM ${rangeFrom} ${c.sql}`,
    rows: (c, withKey) => {
      const items = [...(withKey ? [keyList] : []), layout.sqlPart, ...layout.jsonCells];
      return `SELECT ${items.join(', ')} FROM ${from} ${c.sql} ORDER BY ${order}`;
    },
    keyAt: (c) => `SELECT ${keyList} FROM ${from} ${c.sql} ORDER BY ${order} LIMIT 1 OFFSET ?`,
    rowHashes: (c) =>
      `SELECT ${keyList}, CAST(${rowHash} AS CHAR) FROM ${from} ${c.sql} ORDER BY ${order}`,
  });
}
