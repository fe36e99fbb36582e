/**
 * The logical benchmark dataset: table names, row counts per scale, and the row types every
 * engine's loader writes. Values come from dataset/rows.ts; engines only encode them.
 *
 * At scale N:
 *   orders       N        bigint PK, int, varchar(16), numeric(12,2), text (~60 chars), timestamp(6), JSON
 *   customers    N/10     bigint PK
 *   order_items  N        composite PK (order_id, line_no): orders 1..N/2 have two lines each
 *   events       N/2      primary key seq, non-unique index on order_id
 *   documents    N/100    wide rows with ~4 KB text and ~6 KB binary, so PostgreSQL stores both
 *                         out of line in TOAST (incompressible, above the 2 KB TOAST threshold);
 *                         N/100 keeps the table at ~100 MB for N = 1,000,000
 * Every count is at least 1.
 */

/** Table names, in load order (small first so a broken loader fails fast). */
export const TABLES = ['customers', 'orders', 'order_items', 'events', 'documents'] as const;

/** A table of the benchmark dataset. */
export type TableName = (typeof TABLES)[number];

/** What the generator is asked for. `scale` is the number of orders; `seed` picks the values. */
export type DatasetSpec = Readonly<{ scale: number; seed: number }>;

/** Rows per table at a given scale. */
export type TableCounts = Readonly<Record<TableName, number>>;

/** Characters of `documents.body` and bytes of `documents.content`. */
export const DOCUMENT_BODY_CHARS = 4000;
export const DOCUMENT_CONTENT_BYTES = 6000;

/** Row counts of the freshly generated dataset. */
export function tableRowCounts(spec: DatasetSpec): TableCounts {
  const n = spec.scale;
  return Object.freeze({
    customers: Math.max(1, Math.floor(n / 10)),
    orders: n,
    order_items: n,
    events: Math.max(1, Math.floor(n / 2)),
    documents: Math.max(1, Math.floor(n / 100)),
  });
}

/** Sum of a {@link TableCounts}. */
export function totalRows(counts: Partial<Record<TableName, number>>): number {
  return Object.values(counts).reduce((sum, c) => sum + (c ?? 0), 0);
}

/** Timestamps are microseconds since the Unix epoch (UTC), to keep the sixth digit exact. */
export type EpochMicros = number;

export type CustomerRow = Readonly<{
  id: number;
  name: string;
  email: string;
  country: string;
  createdAtUs: EpochMicros;
}>;

export type OrderAttrs = Readonly<{
  channel: string;
  priority: number;
  gift: boolean;
  tags: readonly string[];
}>;

export type OrderRow = Readonly<{
  id: number;
  customerId: number;
  quantity: number;
  status: string;
  amountCents: number;
  note: string | null;
  createdAtUs: EpochMicros;
  attrs: OrderAttrs;
}>;

export type OrderItemRow = Readonly<{
  orderId: number;
  lineNo: number;
  sku: string;
  quantity: number;
  unitPriceCents: number;
}>;

export type EventPayload = Readonly<{ source: string; attempt: number; ok: boolean }>;

export type EventRow = Readonly<{
  /** 1-based position among the events: the primary key (`_id` seed in MongoDB). */
  seq: number;
  orderId: number;
  kind: string;
  occurredAtUs: EpochMicros;
  payload: EventPayload | null;
}>;

export type DocumentRow = Readonly<{
  id: number;
  title: string;
  author: string;
  version: number;
  lang: string;
  pageCount: number;
  checksum: string;
  createdAtUs: EpochMicros;
  updatedAtUs: EpochMicros;
  body: string;
  content: Buffer;
}>;
