/**
 * The dataset as SQL rows: column names in table order and each row as plain values, shared by the
 * PostgreSQL, MariaDB and SQLite loaders (and the workloads' INSERTs), so column order and value
 * rendering cannot drift between engines.
 */
import { customerRow, documentRow, eventRow, orderItemRow, orderRow } from './rows.js';
import {
  tableRowCounts,
  type CustomerRow,
  type DatasetSpec,
  type DocumentRow,
  type EventRow,
  type OrderItemRow,
  type OrderRow,
  type TableName,
} from './spec.js';
import { formatCents, formatTimestamp } from './values.js';

/** A column value as every SQL engine here accepts it; `Buffer` is binary. */
export type SqlValue = string | number | Buffer | null;

/** Column names per table, in CREATE TABLE order. */
export const SQL_COLUMNS: Readonly<Record<TableName, readonly string[]>> = Object.freeze({
  customers: ['id', 'name', 'email', 'country', 'created_at'],
  orders: ['id', 'customer_id', 'quantity', 'status', 'amount', 'note', 'created_at', 'attrs'],
  order_items: ['order_id', 'line_no', 'sku', 'quantity', 'unit_price'],
  events: ['seq', 'order_id', 'kind', 'occurred_at', 'payload'],
  documents: [
    'id',
    'title',
    'author',
    'version',
    'lang',
    'page_count',
    'checksum',
    'created_at',
    'updated_at',
    'body',
    'content',
  ],
});

export function customerValues(r: CustomerRow): SqlValue[] {
  return [r.id, r.name, r.email, r.country, formatTimestamp(r.createdAtUs)];
}

export function orderValues(r: OrderRow): SqlValue[] {
  return [
    r.id,
    r.customerId,
    r.quantity,
    r.status,
    formatCents(r.amountCents),
    r.note,
    formatTimestamp(r.createdAtUs),
    JSON.stringify(r.attrs),
  ];
}

export function orderItemValues(r: OrderItemRow): SqlValue[] {
  return [r.orderId, r.lineNo, r.sku, r.quantity, formatCents(r.unitPriceCents)];
}

export function eventValues(r: EventRow): SqlValue[] {
  return [
    r.seq,
    r.orderId,
    r.kind,
    formatTimestamp(r.occurredAtUs),
    r.payload === null ? null : JSON.stringify(r.payload),
  ];
}

export function documentValues(r: DocumentRow): SqlValue[] {
  return [
    r.id,
    r.title,
    r.author,
    r.version,
    r.lang,
    r.pageCount,
    r.checksum,
    formatTimestamp(r.createdAtUs),
    formatTimestamp(r.updatedAtUs),
    r.body,
    r.content,
  ];
}

/** Row `i` (1-based) of `table` as SQL values. */
export function sqlRow(spec: DatasetSpec, table: TableName, i: number): SqlValue[] {
  switch (table) {
    case 'customers':
      return customerValues(customerRow(spec, i));
    case 'orders':
      return orderValues(orderRow(spec, i));
    case 'order_items':
      return orderItemValues(orderItemRow(spec, i));
    case 'events':
      return eventValues(eventRow(spec, i));
    case 'documents':
      return documentValues(documentRow(spec, i));
  }
}

/** Every row of `table` at this scale, in key order. */
export function* sqlRows(spec: DatasetSpec, table: TableName): Generator<SqlValue[]> {
  const count = tableRowCounts(spec)[table];
  for (let i = 1; i <= count; i++) yield sqlRow(spec, table, i);
}
