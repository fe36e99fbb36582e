/**
 * Changes as parameterised SQL statements, one row each, for the three SQL engines. Only the
 * placeholder syntax differs: `$1` for PostgreSQL, `?` for MariaDB and SQLite.
 */
import {
  SQL_COLUMNS,
  customerValues,
  documentValues,
  eventValues,
  orderItemValues,
  orderValues,
  type SqlValue,
} from '../dataset/sql-rows.js';
import type { TableName } from '../dataset/spec.js';
import { formatCents, formatTimestamp } from '../dataset/values.js';
import type { Change } from './plan.js';

export type Placeholders = 'dollar' | 'question';

export type SqlStatement = Readonly<{ sql: string; params: SqlValue[] }>;

function marks(style: Placeholders, count: number, first = 1): string[] {
  return Array.from({ length: count }, (_, i) => (style === 'dollar' ? `$${first + i}` : '?'));
}

function insert(style: Placeholders, table: TableName, values: SqlValue[]): SqlStatement {
  const columns = SQL_COLUMNS[table];
  return {
    sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${marks(style, columns.length).join(', ')})`,
    params: values,
  };
}

/** `UPDATE table SET a = ?, b = ? WHERE key = ?`, key last. */
function update(
  style: Placeholders,
  table: TableName,
  set: readonly string[],
  key: string,
  params: SqlValue[],
): SqlStatement {
  const m = marks(style, set.length + 1);
  return {
    sql: `UPDATE ${table} SET ${set.map((c, i) => `${c} = ${m[i] ?? '?'}`).join(', ')} WHERE ${key} = ${m[set.length] ?? '?'}`,
    params,
  };
}

function remove(style: Placeholders, table: TableName, key: string, value: SqlValue): SqlStatement {
  return {
    sql: `DELETE FROM ${table} WHERE ${key} = ${marks(style, 1)[0] ?? '?'}`,
    params: [value],
  };
}

/** The statements for one change, in order. */
export function sqlStatements(style: Placeholders, change: Change): SqlStatement[] {
  switch (change.kind) {
    case 'insert-order':
      return [
        insert(style, 'orders', orderValues(change.order)),
        insert(style, 'order_items', orderItemValues(change.item)),
      ];
    case 'update-order':
      return [
        update(style, 'orders', ['status', 'amount', 'note'], 'id', [
          change.status,
          formatCents(change.amountCents),
          change.note,
          change.id,
        ]),
      ];
    case 'delete-order':
      return [remove(style, 'orders', 'id', change.id)];
    case 'update-customer':
      return [update(style, 'customers', ['email'], 'id', [change.email, change.id])];
    case 'insert-event':
      return [insert(style, 'events', eventValues(change.event))];
    case 'update-event':
      return [update(style, 'events', ['kind'], 'order_id', [change.eventKind, change.orderId])];
    case 'delete-event':
      return [remove(style, 'events', 'order_id', change.orderId)];
    case 'update-document':
      return [
        update(style, 'documents', ['title', 'updated_at'], 'id', [
          change.title,
          formatTimestamp(change.updatedAtUs),
          change.id,
        ]),
      ];
    case 'sentinels':
      return [
        insert(style, 'orders', orderValues(change.rows.order)),
        insert(style, 'order_items', orderItemValues(change.rows.item)),
        insert(style, 'customers', customerValues(change.rows.customer)),
        insert(style, 'events', eventValues(change.rows.event)),
        insert(style, 'documents', documentValues(change.rows.document)),
      ];
  }
}
