/**
 * The query of one snapshot page: the rows after a key, in key order, at most `pageRows`, with
 * the table's row and time filters. The keyset condition is written as `k1 > ? OR (k1 = ? AND
 * k2 > ?) …` rather than the row constructor `(k1, k2) > (?, ?)`: MariaDB only turns the
 * expanded form into an index range, and scans the whole index for the other. Pure.
 */
import {
  formatTableRef,
  quoteMysqlIdent,
  replicatorError,
  type ChangeKey,
  type TablePlan,
} from '@database-replicator/core';
import { mysqlKeyParameter, type MysqlWireColumn } from './mysql-wire-value.js';

/** SQL text and its parameters. */
export type PageQuery = Readonly<{ sql: string; values: readonly unknown[] }>;

/**
 * The page query of `plan.id`.
 *
 * @param columns - The replicated columns, selected in this order.
 * @param keyColumns - The key columns, in key order (a subset of `columns`).
 * @throws ReplicatorError `REPL_VALUE_UNSUPPORTED` when `after` lacks a key column or holds NULL
 *   for one (a zero date in a key column has no PostgreSQL value to resume from).
 */
export function snapshotPageQuery(
  plan: TablePlan,
  columns: readonly MysqlWireColumn[],
  keyColumns: readonly MysqlWireColumn[],
  after: ChangeKey | null,
  pageRows: number,
): PageQuery {
  const table = `${quoteMysqlIdent(plan.id.schema)}.${quoteMysqlIdent(plan.id.table)}`;
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (after !== null) {
    const keyset = keysetCondition(plan, keyColumns, after);
    conditions.push(keyset.sql);
    values.push(...keyset.values);
  }
  conditions.push(...plan.rowFilters.map((filter) => `(${filter})`));
  for (const { column, last } of plan.timeFilters) {
    // The unit is one of TIME_UNITS (validated config), never user text.
    conditions.push(`${quoteMysqlIdent(column)} >= NOW() - INTERVAL ? ${last.unit.toUpperCase()}`);
    values.push(last.amount);
  }
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const order = keyColumns.map((column) => quoteMysqlIdent(column.name)).join(', ');
  values.push(pageRows);
  return Object.freeze({
    sql: `SELECT ${columns.map(selectItem).join(', ')} FROM ${table}${where} ORDER BY ${order} LIMIT ?`,
    values: Object.freeze(values),
  });
}

/**
 * FLOAT is printed with six digits in the text protocol; widened to DOUBLE it arrives exactly,
 * as the binlog has it.
 */
function selectItem(column: MysqlWireColumn): string {
  const name = quoteMysqlIdent(column.name);
  return column.wire === 'real' ? `(${name} + 0e0) AS ${name}` : name;
}

function keysetCondition(
  plan: TablePlan,
  keyColumns: readonly MysqlWireColumn[],
  after: ChangeKey,
): PageQuery {
  const parameters = keyColumns.map((column) => {
    const value = after[column.name];
    if (value === undefined || value === null) {
      const table = formatTableRef(plan.id);
      throw replicatorError(
        'REPL_VALUE_UNSUPPORTED',
        `The snapshot of ${table} cannot resume after a key without a value for ${column.name}`,
        {
          fix: 'Replace zero dates in the key column of the source table, then run the job again.',
          details: { table, column: column.name },
        },
      );
    }
    // A FLOAT key travels as the shortest decimal of its 32-bit value (0.1), which the server
    // compares as a DOUBLE: the stored value (0.10000000149…) would be after it, and read again.
    if (column.wire === 'real' && typeof value === 'number') return Math.fround(value);
    return mysqlKeyParameter(value, column);
  });
  const branches: string[] = [];
  const values: unknown[] = [];
  keyColumns.forEach((column, index) => {
    const equal = keyColumns.slice(0, index).map((prefix) => `${quoteMysqlIdent(prefix.name)} = ?`);
    branches.push(`(${[...equal, `${quoteMysqlIdent(column.name)} > ?`].join(' AND ')})`);
    values.push(...parameters.slice(0, index + 1));
  });
  return Object.freeze({ sql: `(${branches.join(' OR ')})`, values: Object.freeze(values) });
}
